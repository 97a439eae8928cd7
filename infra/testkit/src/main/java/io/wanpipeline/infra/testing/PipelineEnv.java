package io.wanpipeline.infra.testing;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One test's view of the stack {@link PipelineStack} started: the broker, registry, simulator and
 * S3 server (if asked for) it shares with the other tests of its class, and names only it uses (a
 * topic prefix whose pipeline topics exist, group ids, a bucket). What it opens for the test, and
 * what the test hands to {@link #closeAfter}, is closed after the test, last opened first.
 */
public final class PipelineEnv implements AutoCloseable {
  /** A service, with the key of its consumer group or Streams application id. */
  public enum Service {
    SUBMITTER("submitter.group-id"),
    POLLER("poller.application-id"),
    ARCHIVER("archiver.group-id"),
    BILLING("billing.application-id"),
    STATUS("status.application-id");

    private final String groupKey;

    Service(String groupKey) {
      this.groupKey = groupKey;
    }

    /** The settings key of the service's group id (or Streams application id). */
    public String groupKey() {
      return groupKey;
    }

    String base() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The API key {@link #settings} gives the default provider account. */
  public static final String API_KEY = "sk-pipeline-it";

  private final KafkaBroker.Info kafka;
  private final S3Server.Info s3;
  private final String bucket;
  private final String registryUrl;
  private final SchemaRegistryClient registry;
  private final WanSimulator simulator;
  private final String prefix;
  private final TopicNames names;
  private final Topics topics;
  private final Map<String, String> groupIds = new HashMap<>();
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private KafkaProducer<byte[], byte[]> producer;
  private TopicLog<TaskStatus> status;

  private PipelineEnv(
      KafkaBroker.Info kafka,
      S3Server.Info s3,
      String registryUrl,
      WanSimulator simulator,
      String prefix) {
    this.kafka = kafka;
    this.s3 = s3;
    this.bucket = s3 == null ? null : s3.uniqueBucket(prefix.replace('.', '-'));
    this.registryUrl = registryUrl;
    this.registry = SchemaRegistryClient.of(registryUrl);
    this.simulator = simulator;
    this.prefix = prefix;
    this.names = TopicNames.withPrefix(prefix);
    this.topics = new Topics(names, registry);
  }

  static PipelineEnv create(
      KafkaBroker.Info kafka,
      S3Server.Info s3,
      String registryUrl,
      WanSimulator simulator,
      String name,
      int partitions) {
    PipelineEnv env =
        new PipelineEnv(kafka, s3, registryUrl, simulator, kafka.uniqueName(name) + ".");
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      TopicProvisioner.ensure(admin, TopicSpec.pipeline(env.names, partitions, (short) 1));
    }
    return env;
  }

  /** The shared broker, for what this class does not wrap (an admin client, a raw consumer). */
  public KafkaBroker.Info kafka() {
    return kafka;
  }

  /** The broker's {@code bootstrap.servers}. */
  public String bootstrap() {
    return kafka.bootstrapServers();
  }

  /** The schema registry's base URL. */
  public String registryUrl() {
    return registryUrl;
  }

  /** A client of the schema registry. */
  public SchemaRegistryClient registry() {
    return registry;
  }

  /**
   * The Wan simulator, shared by the tests of the class.
   *
   * @throws IllegalStateException if the stack has none ({@link PipelineStack#withoutSimulator})
   */
  public WanSimulator simulator() {
    if (simulator == null) {
      throw new IllegalStateException(
          "this stack has no simulator: use PipelineStack.withSimulator");
    }
    return simulator;
  }

  /** This test's topic prefix, ending in a dot. */
  public String topicPrefix() {
    return prefix;
  }

  /** This test's topic names; the pipeline's topics exist. */
  public TopicNames topicNames() {
    return names;
  }

  /** This test's topic descriptors. */
  public Topics topics() {
    return topics;
  }

  /**
   * The S3-compatible server.
   *
   * @throws IllegalStateException if the stack was not asked for one ({@link PipelineStack#withS3})
   */
  public S3Server.Info s3() {
    if (s3 == null) {
      throw new IllegalStateException("this stack has no S3 server: use PipelineStack.withS3()");
    }
    return s3;
  }

  /**
   * This test's bucket name on {@link #s3()}; it does not exist until the service (or the test)
   * creates it.
   *
   * @throws IllegalStateException if the stack was not asked for an S3 server
   */
  public String bucket() {
    s3();
    return bucket;
  }

  /** A name nobody else on the broker uses, for what the test creates itself. */
  public String uniqueName(String base) {
    return kafka.uniqueName(base);
  }

  /**
   * This test's group id (or Streams application id) of {@code service}: unique to the test, the
   * same each time it is asked for, so that a restarted service resumes.
   */
  public String groupId(Service service) {
    return groupIds.computeIfAbsent(service.base(), kafka::uniqueName);
  }

  /**
   * The settings {@code service} needs to run here, to add to: bootstrap servers, registry URL,
   * topic prefix, its group id, with a simulator the default provider account on it with key {@link
   * #API_KEY}, and with an S3 server its endpoint (path style) and credentials, and for the
   * archiver this test's bucket, created by the archiver.
   */
  public Map<String, String> settings(Service service) {
    Map<String, String> settings = new HashMap<>();
    settings.put("kafka.bootstrap.servers", bootstrap());
    settings.put("schema-registry.url", registryUrl);
    settings.put("topics.prefix", prefix);
    if (simulator != null) {
      settings.put("provider.default.api-key", API_KEY);
      settings.put("provider.default.base-url", simulator.baseUrl());
    }
    settings.put(service.groupKey(), groupId(service));
    if (s3 != null) {
      settings.put("s3.endpoint", s3.endpoint().toString());
      settings.put("s3.path-style", "true");
      settings.put("s3.access-key-id", s3.accessKey());
      settings.put("s3.secret-access-key", s3.secretKey());
      if (service == Service.ARCHIVER) {
        settings.put("archiver.bucket", bucket);
        settings.put("archiver.create-bucket", "true");
      }
    }
    return settings;
  }

  /** A producer of raw bytes with {@code acks=all}, closed after the test. */
  public synchronized KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      Map<String, Object> props = new HashMap<>(kafka.clientConfig());
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      producer =
          closeAfter(
              new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }
    return producer;
  }

  /** Writes {@code value} under {@code key} to {@code topic} and waits for the broker's ack. */
  public <V> void send(Topic<String, V> topic, String key, V value) {
    send(topic, null, key, value);
  }

  /** As {@link #send(Topic, String, Object)}, to one partition (null: the key decides). */
  public <V> void send(Topic<String, V> topic, Integer partition, String key, V value) {
    write(topic.name(), partition, topic.keyBytes(key), topic.valueBytes(value));
  }

  /**
   * Writes raw bytes, which need not be a valid record, and waits for the broker's ack; a null key
   * is written as no key.
   */
  public void sendBytes(String topic, Integer partition, String key, byte[] value) {
    write(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
  }

  private void write(String topic, Integer partition, byte[] key, byte[] value) {
    try {
      producer().send(new ProducerRecord<>(topic, partition, key, value)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing to " + topic, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot write to " + topic, e.getCause());
    }
  }

  /** A reader of this test's task-status topic, closed after the test. */
  public synchronized TopicLog<TaskStatus> status() {
    if (status == null) {
      status = log(topics.taskStatus());
    }
    return status;
  }

  /** A new reader of {@code topic}, closed after the test. */
  public <V> TopicLog<V> log(Topic<String, V> topic) {
    return closeAfter(new TopicLog<>(bootstrap(), topic));
  }

  /** Closes {@code resource} after the test, before what was registered earlier. */
  public synchronized <T extends AutoCloseable> T closeAfter(T resource) {
    closeables.push(resource);
    return resource;
  }

  /**
   * Closes what the test opened, last opened first; a failure to close one does not keep the others
   * open, and is thrown at the end.
   */
  @Override
  public synchronized void close() {
    IllegalStateException failure = null;
    while (!closeables.isEmpty()) {
      AutoCloseable next = closeables.pop();
      try {
        next.close();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        if (failure == null) {
          failure = new IllegalStateException("cannot close " + next, e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
