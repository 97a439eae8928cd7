package io.wanpipeline.infra.testing;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every committed record of one topic from the beginning, accumulating them; tests call
 * {@link #refresh()} inside Awaitility conditions.
 */
public final class TopicLog<V> implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Topic<String, V> topic;
  private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

  public TopicLog(String bootstrapServers, Topic<String, V> topic) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.topic = topic;
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic.name()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Reads what arrived since the last call. */
  public synchronized TopicLog<V> refresh() {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      records.add(r);
    }
    return this;
  }

  /**
   * Reads every record committed before this call (one {@link #refresh()} reads at most one poll's
   * worth, 500 records).
   */
  public synchronized TopicLog<V> refreshToEnd() {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      refresh();
    }
    return this;
  }

  /** Every raw record read so far. */
  public synchronized List<ConsumerRecord<byte[], byte[]>> raw() {
    return List.copyOf(records);
  }

  /** Every value read so far, in partition order per key. */
  public synchronized List<V> values() {
    return records.stream()
        .filter(r -> r.value() != null)
        .map(r -> topic.value(r.value()))
        .toList();
  }

  /** The values whose key is {@code key}. */
  public synchronized List<V> valuesOf(String key) {
    return records.stream()
        .filter(r -> r.key() != null && key.equals(topic.key(r.key())))
        .filter(r -> r.value() != null)
        .map(r -> topic.value(r.value()))
        .toList();
  }

  /** For status topics: the states announced for {@code requestId}, in order. */
  public static List<TaskState> states(TopicLog<TaskStatus> log, String requestId) {
    return log.valuesOf(requestId).stream().map(TaskStatus::getState).toList();
  }

  /** For status topics: the last event of {@code requestId}. */
  public static Optional<TaskStatus> last(TopicLog<TaskStatus> log, String requestId) {
    List<TaskStatus> all = log.valuesOf(requestId);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  @Override
  public void close() {
    consumer.close();
  }
}
