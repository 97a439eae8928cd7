package io.wanpipeline.poller;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.runtime.service.StreamsApplication;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poller: a Kafka Streams application (exactly-once v2) that polls every submitted task until
 * it ends and announces each change of state on {@code task-status}.
 */
public final class PollerService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(PollerService.class);

  private final PollerConfig config;
  private final Clock clock;
  private final Topics topics;
  private final SchemaRegistry registry;
  private final Function<ProviderAccount, WanClient> clientFactory;
  private final Map<String, WanClient> clients = new ConcurrentHashMap<>();
  private ExecutorService executor;
  private final CompositeMeterRegistry meters = ServiceMeters.forService("poller");
  private volatile StreamsApplication app;

  /**
   * @param config the configuration
   * @param clock the time of every decision
   * @param topics the pipeline's topics
   * @param registry schema registry of the store's serde
   * @param clientFactory makes the provider client of an account (called once per account)
   */
  public PollerService(
      PollerConfig config,
      Clock clock,
      Topics topics,
      SchemaRegistry registry,
      Function<ProviderAccount, WanClient> clientFactory) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.topics = Objects.requireNonNull(topics, "topics");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
  }

  /** Starts the Streams application and returns at once. */
  @Override
  public synchronized void start() {
    if (app != null) {
      throw new IllegalStateException("already started");
    }
    executor = Executors.newFixedThreadPool(config.queryThreads(), threads());
    int partitions = sourcePartitions();
    PollerTopology.Collaborators collaborators =
        new PollerTopology.Collaborators(
            clock,
            new Random(),
            account -> clients.computeIfAbsent(account.name(), n -> clientFactory.apply(account)),
            executor,
            new PartitionShare(
                () -> partitions, clock, Duration.ofSeconds(1).plus(config.budgetMargin())),
            meters);
    app =
        StreamsApplication.start(
            "poller",
            PollerTopology.build(config, topics, registry, collaborators),
            properties(),
            clock,
            meters);
    log.info(
        "poller started applicationId={} topic={} partitions={}",
        config.applicationId(),
        topics.taskStatus().name(),
        partitions);
  }

  /**
   * The partition count of the source topic, over which each instance's share of the query budget
   * is counted; 0 (the whole budget) when it cannot be read.
   */
  private int sourcePartitions() {
    String topic = topics.taskStatus().name();
    try (Admin admin = Admin.create(config.kafka().clientConfig())) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(30, TimeUnit.SECONDS)
          .get(topic)
          .partitions()
          .size();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading the partitions of " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      log.warn(
          "cannot read the partition count of topic={}; this instance takes the whole query"
              + " budget of every account: {}",
          topic,
          e.toString());
      return 0;
    }
  }

  /**
   * Why the poller can no longer work: Kafka Streams in ERROR, stopped without a close, or without
   * a live stream thread; empty before {@link #start()} and once {@link #close()} is called.
   */
  @Override
  public Optional<Throwable> failure() {
    StreamsApplication running = app;
    return running == null ? Optional.empty() : running.failure();
  }

  /** Ready while Kafka Streams is RUNNING ({@link StreamsApplication#readiness()}). */
  @Override
  public Readiness readiness() {
    StreamsApplication running = app;
    return running == null ? Readiness.waitingFor("poller: not started") : running.readiness();
  }

  @Override
  public CompositeMeterRegistry meters() {
    return meters;
  }

  /** The Streams state, or null before {@link #start()}. */
  public KafkaStreams.State state() {
    StreamsApplication running = app;
    return running == null ? null : running.state();
  }

  /**
   * The partitions of {@code task-status} whose tasks this instance polls now (its active stream
   * tasks); empty before {@link #start()} and while rebalancing.
   */
  public Set<Integer> activePartitions() {
    StreamsApplication running = app;
    if (running == null
        || !(running.state() == KafkaStreams.State.RUNNING
            || running.state() == KafkaStreams.State.REBALANCING)) {
      return Set.of();
    }
    String topic = topics.taskStatus().name();
    Set<Integer> partitions = new TreeSet<>();
    for (ThreadMetadata thread : running.streams().metadataForLocalThreads()) {
      for (TaskMetadata task : thread.activeTasks()) {
        for (TopicPartition tp : task.topicPartitions()) {
          if (tp.topic().equals(topic)) {
            partitions.add(tp.partition());
          }
        }
      }
    }
    return partitions;
  }

  /**
   * Stops: the current punctuation finishes (its answers are committed with the store), then the
   * Streams application, the call pool and the provider clients are closed.
   */
  @Override
  public synchronized void close() {
    if (app != null) {
      app.close();
    }
    if (executor != null) {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
          executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        executor.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    for (WanClient c : clients.values()) {
      if (c instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          log.warn("closing a provider client failed: {}", e.toString());
        }
      }
    }
    clients.clear();
  }

  private Properties properties() {
    Properties p =
        StreamsApplication.properties(
            config.kafka(),
            config.applicationId(),
            config.stateDir(),
            config.streamThreads(),
            config.kafka().topicNames().pollerDlq(),
            meters,
            config.instanceId());
    // Fast failover: a killed instance is out of the group after the session timeout, and the
    // survivor holds a standby copy of its store.
    p.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
        (int) config.sessionTimeout().toMillis());
    p.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
        (int) config.heartbeatInterval().toMillis());
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
    return p;
  }

  /** The call pool's threads: named, daemon. */
  private ThreadFactory threads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "poller-call-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
