package io.wanpipeline.runtime.service;

import static org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams client that is a service's engine (the poller, billing, the status view): its
 * common settings, its stream-thread failures judged by {@link StreamsLiveness}, its metrics bound
 * to the service's registry, and its close (commit, then leave the group so that a survivor takes
 * the tasks at once, static member or not).
 */
public final class StreamsApplication implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StreamsApplication.class);

  /** How long closing may take: it commits, then leaves the group. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

  private final String applicationId;
  private final KafkaStreams streams;
  private final StreamsLiveness liveness;
  private final KafkaStreamsMetrics metrics;

  private StreamsApplication(
      String applicationId, KafkaStreams streams, StreamsLiveness liveness, KafkaStreamsMetrics m) {
    this.applicationId = applicationId;
    this.streams = streams;
    this.liveness = liveness;
    this.metrics = m;
  }

  /**
   * The settings every service's Streams client shares: exactly-once, the state directory, the
   * stream threads, unreadable records dead-lettered to {@code deadLetterTopic} and counted in
   * {@code meters}, the earliest offset for a new group, and static membership when {@code
   * instanceId} is given (a restarted instance with the same id and state directory takes its tasks
   * back without a rebalance).
   */
  public static Properties properties(
      KafkaSettings kafka,
      String applicationId,
      Path stateDir,
      int streamThreads,
      String deadLetterTopic,
      MeterRegistry meters,
      Optional<String> instanceId) {
    Properties props = new Properties();
    props.putAll(kafka.clientProperties());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // Kafka 5.0's behaviour, taken now: a processing error in the global thread goes to the
    // processing handler (which fails, as before). Named by its key: its constant is deprecated,
    // since in 5.0 this is the only behaviour. (Kafka 4.4 still warns about it once per stream
    // thread: its partition assignor builds a configuration of its own without this key.)
    props.put("processing.exception.handler.global.enabled", true);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kafka.replicationFactor());
    props.putIfAbsent(
        StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    DeadLetterUnreadableRecords.configure(
        props, deadLetterTopic, ServiceMeters.unreadableRecords(meters));
    instanceId.ifPresent(
        id ->
            props.put(
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
    return props;
  }

  /**
   * Creates the client of {@code topology} and starts it in the background.
   *
   * @param service the service's name, for the log
   * @param topology what the client runs
   * @param props its settings, from {@link #properties} and the service's own
   * @param clock the time of stream-thread deaths ({@link StreamThreadReplacements})
   * @param meters where the client's metrics are bound
   */
  public static StreamsApplication start(
      String service, Topology topology, Properties props, Clock clock, MeterRegistry meters) {
    String applicationId =
        Objects.requireNonNull(
            props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG), "application.id");
    KafkaStreams streams = new KafkaStreams(topology, props);
    StreamsLiveness liveness = new StreamsLiveness(applicationId, streams, clock);
    streams.setUncaughtExceptionHandler(
        e -> {
          StreamThreadExceptionResponse response = liveness.threadFailed(e);
          log.error(
              "{} stream thread failed: applicationId={}, response={}",
              service,
              applicationId,
              response,
              e);
          return response;
        });
    KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams);
    metrics.bindTo(meters);
    streams.start();
    return new StreamsApplication(applicationId, streams, liveness, metrics);
  }

  /** The running client, for its stores and metadata. */
  public KafkaStreams streams() {
    return streams;
  }

  /** The client's state. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Why the client can no longer work ({@link StreamsLiveness#failure()}), or empty. */
  public Optional<Throwable> failure() {
    return liveness.failure();
  }

  /** Ready while the client is RUNNING ({@link StreamsLiveness#readiness()}). */
  public Readiness readiness() {
    return liveness.readiness();
  }

  /**
   * Says that the service is closing: from now on the client stopping is not a failure. Called by
   * {@link #close()}; a service that closes other parts first calls it before them.
   */
  public void closing() {
    liveness.closing();
  }

  /** Commits what is done, leaves the group and unbinds the metrics. */
  @Override
  public void close() {
    liveness.closing();
    streams.close(CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(LEAVE_GROUP));
    metrics.close();
    log.info("Kafka Streams stopped: applicationId={}", applicationId);
  }
}
