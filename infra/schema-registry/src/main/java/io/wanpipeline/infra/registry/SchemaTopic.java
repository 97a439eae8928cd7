package io.wanpipeline.infra.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compacted Kafka topic that holds the registry's state, one partition.
 *
 * <p>A reader thread applies every committed record to the {@link RegistryState}, from the
 * beginning of the topic and then as records arrive, so the state is a cache of the topic. Writes
 * go through a transactional producer whose transactional id is derived from the topic name: an
 * instance that starts writing fences the previous writer, and catches up with the topic before it
 * decides anything, so ids stay unique however many instances share the topic.
 */
final class SchemaTopic implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaTopic.class);

  private final String bootstrapServers;
  private final String topic;
  private final TopicPartition partition;
  private final RegistryState state;
  private final Duration timeout;
  private final Admin admin;
  private final Thread reader;
  private final Object progress = new Object();
  private volatile boolean closed;
  private KafkaConsumer<byte[], byte[]> consumer;
  private long applied;
  private RuntimeException readerFailure;
  private KafkaProducer<byte[], byte[]> producer;

  SchemaTopic(String bootstrapServers, String topic, RegistryState state, Duration timeout) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.partition = new TopicPartition(topic, 0);
    this.state = state;
    this.timeout = timeout;
    this.admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "schema-registry-admin-" + topic,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) timeout.toMillis()));
    this.reader = new Thread(this::readLoop, "schema-registry-reader-" + topic);
    this.reader.setDaemon(true);
  }

  /** Creates the topic if missing, starts reading it, and waits until the state is caught up. */
  void start() throws InterruptedException {
    ensureTopic();
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "schema-registry-reader-" + topic,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                5000,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    reader.start();
    catchUp();
  }

  /**
   * Writes {@code records} in one transaction, and returns once they are committed and applied to
   * the state.
   *
   * @throws KafkaException if the write failed; the caller should {@link #takeOverWriting} and
   *     decide again
   */
  void append(List<ProducerRecord<byte[], byte[]>> records) throws InterruptedException {
    if (producer == null) {
      takeOverWriting();
    }
    Future<RecordMetadata> last = null;
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> record : records) {
        last = producer.send(record);
      }
      producer.commitTransaction();
    } catch (KafkaException e) {
      dropProducer();
      throw e;
    }
    long offset;
    try {
      offset = last.get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
    } catch (ExecutionException e) {
      dropProducer();
      throw new KafkaException("write to " + topic + " failed", e.getCause());
    } catch (TimeoutException e) {
      throw RegistryError.timedOut("timed out writing to " + topic);
    }
    awaitApplied(offset + 1);
  }

  /**
   * Becomes the topic's only writer: a new transactional producer fences any other instance's,
   * aborting its open transaction, and the state then catches up with everything committed.
   */
  void takeOverWriting() throws InterruptedException {
    dropProducer();
    KafkaProducer<byte[], byte[]> fresh =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG,
                "schema-registry-writer-" + topic,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "wan-pipeline-schema-registry-" + topic,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                (int) timeout.toMillis()),
            new ByteArraySerializer(),
            new ByteArraySerializer());
    try {
      fresh.initTransactions();
    } catch (KafkaException e) {
      fresh.close(Duration.ZERO);
      throw e;
    }
    producer = fresh;
    catchUp();
    LOG.debug("writing to schema topic={} as the only writer", topic);
  }

  @Override
  public void close() {
    closed = true;
    if (consumer != null) {
      consumer.wakeup();
      try {
        reader.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    dropProducer();
    admin.close(Duration.ofSeconds(5));
  }

  /** Waits until the state holds every record committed so far. */
  private void catchUp() throws InterruptedException {
    long end;
    try {
      end =
          admin
              .listOffsets(
                  Map.of(partition, OffsetSpec.latest()),
                  new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
              .partitionResult(partition)
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .offset();
    } catch (ExecutionException e) {
      throw RegistryError.storeFailed("cannot read the end of " + topic, e.getCause());
    } catch (TimeoutException e) {
      throw RegistryError.timedOut("timed out reading the end of " + topic);
    }
    awaitApplied(end);
  }

  private void awaitApplied(long position) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (applied < position) {
        if (readerFailure != null) {
          throw RegistryError.storeFailed("the reader of " + topic + " failed", readerFailure);
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw RegistryError.timedOut(
              "timed out reading " + topic + " up to offset " + position + ", at " + applied);
        }
        progress.wait(left);
      }
    }
  }

  private void readLoop() {
    try {
      while (!closed) {
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            applyOne(record);
          }
          long position = consumer.position(partition);
          synchronized (progress) {
            applied = position;
            progress.notifyAll();
          }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
          LOG.debug("schema topic={} not reachable yet, still reading: {}", topic, e.getMessage());
        }
      }
    } catch (WakeupException e) {
      if (!closed) {
        fail(e);
      }
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      consumer.close();
    }
  }

  private void applyOne(ConsumerRecord<byte[], byte[]> record) {
    try {
      SchemaRecords.apply(state, record.key(), record.value());
    } catch (RuntimeException e) {
      LOG.warn(
          "skipping unreadable record of schema topic={}, partition={}, offset={}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  private void fail(RuntimeException e) {
    LOG.error("schema topic reader stopped topic={}", topic, e);
    synchronized (progress) {
      readerFailure = e;
      progress.notifyAll();
    }
  }

  private void dropProducer() {
    if (producer != null) {
      producer.close(Duration.ZERO);
      producer = null;
    }
  }

  private void ensureTopic() throws InterruptedException {
    try {
      TopicDescription description =
          admin
              .describeTopics(List.of(topic))
              .topicNameValues()
              .get(topic)
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (description.partitions().size() != 1) {
        throw new IllegalStateException(
            "schema topic "
                + topic
                + " has "
                + description.partitions().size()
                + " partitions; the registry needs exactly one");
      }
      return;
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
        throw new IllegalStateException("cannot describe schema topic " + topic, e.getCause());
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out describing schema topic " + topic, e);
    }
    NewTopic newTopic =
        new NewTopic(topic, Optional.of(1), Optional.empty())
            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    try {
      admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("created schema topic={} (compacted, 1 partition)", topic);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create schema topic " + topic, e.getCause());
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out creating schema topic " + topic, e);
    }
  }
}
