package io.wanpipeline.poller;

import static org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.runtime.service.StreamsLiveness;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
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
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poller: a Kafka Streams application (exactly-once v2) that polls every submitted task until
 * it ends and announces each change of state on {@code task-status}.
 */
public final class PollerService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(PollerService.class);

  /** How long closing Kafka Streams may take: it commits, then leaves the group. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

  private final PollerConfig config;
  private final Clock clock;
  private final Topics topics;
  private final SchemaRegistry registry;
  private final Function<ProviderAccount, WanClient> clientFactory;
  private final Map<String, WanClient> clients = new ConcurrentHashMap<>();
  private ExecutorService executor;
  private final CompositeMeterRegistry meters = ServiceMeters.forService("poller");
  private KafkaStreams streams;
  private KafkaStreamsMetrics streamsMetrics;
  private volatile StreamsLiveness liveness;

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
    if (streams != null) {
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
    streams =
        new KafkaStreams(
            PollerTopology.build(config, topics, registry, collaborators), properties());
    StreamsLiveness watched = new StreamsLiveness(config.applicationId(), streams, clock);
    streams.setUncaughtExceptionHandler(
        e -> {
          StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse response =
              watched.threadFailed(e);
          log.error("poller stream thread failed; response={}", response, e);
          return response;
        });
    liveness = watched;
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(meters);
    streams.start();
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
    StreamsLiveness watched = liveness;
    return watched == null ? Optional.empty() : watched.failure();
  }

  /** Ready while Kafka Streams is RUNNING ({@link StreamsLiveness#readiness()}). */
  @Override
  public Readiness readiness() {
    StreamsLiveness watched = liveness;
    return watched == null ? Readiness.waitingFor("poller: not started") : watched.readiness();
  }

  @Override
  public CompositeMeterRegistry meters() {
    return meters;
  }

  /** The Streams state, or null before {@link #start()}. */
  public synchronized KafkaStreams.State state() {
    return streams == null ? null : streams.state();
  }

  /**
   * The partitions of {@code task-status} whose tasks this instance polls now (its active stream
   * tasks); empty before {@link #start()} and while rebalancing.
   */
  public synchronized Set<Integer> activePartitions() {
    if (streams == null
        || !(streams.state() == KafkaStreams.State.RUNNING
            || streams.state() == KafkaStreams.State.REBALANCING)) {
      return Set.of();
    }
    String topic = topics.taskStatus().name();
    Set<Integer> partitions = new TreeSet<>();
    for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
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
    if (liveness != null) {
      liveness.closing();
    }
    if (streams != null) {
      // Leaving the group hands this instance's partitions to a survivor at once.
      streams.close(CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(LEAVE_GROUP));
    }
    if (streamsMetrics != null) {
      streamsMetrics.close();
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
    Properties p = new Properties();
    p.putAll(config.kafka().clientProperties());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // Kafka 5.0's behaviour, taken now: a processing error in the global thread goes to the
    // processing handler (which fails, as before). Named by its key: its constant is deprecated,
    // since in 5.0 this is the only behaviour. (Kafka 4.4 still warns about it once per stream
    // thread: its partition assignor builds a configuration of its own without this key.)
    p.put("processing.exception.handler.global.enabled", true);
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    DeadLetterUnreadableRecords.configure(
        p, config.kafka().topicNames().pollerDlq(), ServiceMeters.unreadableRecords(meters));
    p.putIfAbsent(
        StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Fast failover: a killed instance is out of the group after the session timeout, and the
    // survivor holds a standby copy of its store.
    p.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
        (int) config.sessionTimeout().toMillis());
    p.put(
        StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
        (int) config.heartbeatInterval().toMillis());
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
    // Static membership: a restarted instance (same id, same state directory, so the same Streams
    // process id and transactional ids) takes its tasks back without a rebalance; close() leaves.
    config
        .instanceId()
        .ifPresent(
            id ->
                p.put(
                    StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
    return p;
  }

  /** Counts the records the deserialization handler skips, by topic (the source topic). */
  private ThreadFactory threads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "poller-call-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
