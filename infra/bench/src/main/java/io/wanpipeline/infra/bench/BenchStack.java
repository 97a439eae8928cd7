package io.wanpipeline.infra.bench;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.kafka.KafkaProcess;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The infrastructure every benchmark shares: a Kafka broker in a child JVM, the schema registry and
 * a scratch directory, all removed on close. Each benchmark gets its own topics ({@link #fresh}).
 */
final class BenchStack implements AutoCloseable {
  /** Partitions of each benchmark's topics. */
  static final int PARTITIONS = 6;

  private final Path dir;
  private final KafkaProcess kafka;
  private final LocalSchemaRegistry registryServer;
  private final SchemaRegistryClient registry;
  private final AtomicInteger runs = new AtomicInteger();

  private BenchStack(Path dir, KafkaProcess kafka, LocalSchemaRegistry registryServer) {
    this.dir = dir;
    this.kafka = kafka;
    this.registryServer = registryServer;
    this.registry = SchemaRegistryClient.of(registryServer.url());
  }

  /** Starts a broker and a registry in a new scratch directory. */
  static BenchStack start() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("wan-pipeline-bench");
    KafkaProcess kafka = KafkaProcess.start(dir.resolve("kafka"));
    LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), LocalSchemaRegistry.DEFAULT_TOPIC, 0);
    return new BenchStack(dir, kafka, registry);
  }

  String bootstrap() {
    return kafka.bootstrapServers();
  }

  String registryUrl() {
    return registryServer.url();
  }

  SchemaRegistryClient registry() {
    return registry;
  }

  /** A scratch directory {@code name} inside the stack's directory. */
  Path scratch(String name) throws IOException {
    return Files.createDirectories(dir.resolve(name));
  }

  /** New pipeline topics under a prefix of their own, for one benchmark run. */
  Run fresh(String name) {
    String prefix = "bench-" + name + "-" + runs.incrementAndGet() + ".";
    TopicNames names = TopicNames.withPrefix(prefix);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
      TopicProvisioner.ensure(admin, TopicSpec.pipeline(names, PARTITIONS, (short) 1));
    }
    return new Run(prefix, new Topics(names, registry));
  }

  /**
   * The topics of one run.
   *
   * @param prefix topic prefix ({@code topics.prefix})
   * @param topics the typed topics
   */
  record Run(String prefix, Topics topics) {}

  /** The settings a pipeline service needs to use this stack with {@code run}'s topics. */
  Map<String, String> serviceSettings(Run run) {
    Map<String, String> s = new HashMap<>();
    s.put("kafka.bootstrap.servers", bootstrap());
    s.put("schema-registry.url", registryUrl());
    s.put("topics.prefix", run.prefix());
    s.put("topics.partitions", String.valueOf(PARTITIONS));
    s.put("topics.replication-factor", "1");
    return s;
  }

  /**
   * A consumer of {@code bootstrap}'s topics as a downstream reader: read-committed, from the
   * earliest offset, in a group of its own ({@code name} and a random suffix), committing nothing.
   */
  static KafkaConsumer<String, byte[]> committedReader(String bootstrap, String name) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, name + "-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** A producer of status events onto {@code run}'s task-status topic. */
  StatusProducer producer(Run run) {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    return new StatusProducer(
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()), run);
  }

  /** Sends status events as the submitter would (keyed by request_id). */
  static final class StatusProducer implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final Run run;

    StatusProducer(KafkaProducer<byte[], byte[]> producer, Run run) {
      this.producer = producer;
      this.run = run;
    }

    void send(TaskStatus status) {
      producer.send(
          new ProducerRecord<>(
              run.topics().taskStatus().name(),
              null,
              status.getEventTime().toEpochMilli(),
              status.getRequestId().getBytes(StandardCharsets.UTF_8),
              run.topics().taskStatus().valueBytes(status)));
    }

    void flush() {
      producer.flush();
    }

    @Override
    public void close() {
      producer.close();
    }
  }

  @Override
  public void close() {
    registryServer.close();
    kafka.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not remove " + dir + ": " + e);
    }
  }
}
