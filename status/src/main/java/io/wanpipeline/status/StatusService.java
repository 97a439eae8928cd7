package io.wanpipeline.status;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.runtime.http.JsonApiServer;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.runtime.service.StreamsApplication;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.status.console.ServiceMetrics;
import io.wanpipeline.status.http.StatusHttpServer;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status view: runs {@link StatusTopology} with exactly-once processing and serves it over HTTP
 * ({@link StatusHttpServer}). Several instances share the partitions through the Streams
 * application id and answer for each other (interactive queries).
 */
public final class StatusService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(StatusService.class);

  private final StatusConfig config;
  private final Clock clock;
  private final Topics topics;
  private final CompositeMeterRegistry meters = ServiceMeters.forService("status");
  private volatile StreamsApplication app;
  private volatile StatusHttpServer http;
  private volatile boolean closing;
  private URI self;

  public StatusService(StatusConfig config, Clock clock, Topics topics) {
    this.config = config;
    this.clock = clock;
    this.topics = topics;
  }

  /** The Kafka Streams settings of {@code config}, without {@code application.server}. */
  static Properties streamsProperties(StatusConfig config, CompositeMeterRegistry meters) {
    Properties props =
        StreamsApplication.properties(
            config.kafka(),
            config.applicationId(),
            config.stateDir(),
            config.streamThreads(),
            config.kafka().topicNames().statusDlq(),
            meters,
            config.instanceId());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    return props;
  }

  /** Starts the HTTP server, then processing in the background. */
  @Override
  public synchronized void start() {
    if (app != null) {
      throw new IllegalStateException("status view already started");
    }
    Properties props = streamsProperties(config, meters);
    StatusHttpServer server =
        new StatusHttpServer(
            config.httpHost(),
            config.httpPort(),
            clock,
            config.consoleMetrics().isEmpty()
                ? null
                : new ServiceMetrics(config.consoleMetrics(), clock));
    http = server;
    int port = server.start().getPort();
    self =
        config.advertisedUrl() != null
            ? config.advertisedUrl()
            : JsonApiServer.advertisedUrl(config.httpHost(), port);
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.getHost() + ":" + self.getPort());
    app = StreamsApplication.start("status", StatusTopology.build(topics), props, clock, meters);
    server.serve(new StatusStores(app.streams(), topics.taskStatus().name(), self));
    log.info(
        "Status view started: applicationId={}, statusTopic={}, http={}",
        config.applicationId(),
        topics.taskStatus().name(),
        self);
  }

  /**
   * Why the view can no longer work: Kafka Streams in ERROR, stopped without a close, or without a
   * live stream thread, or the HTTP server stopped; empty before {@link #start()} and once {@link
   * #close()} is called.
   */
  @Override
  public Optional<Throwable> failure() {
    StreamsApplication running = app;
    if (closing || running == null) {
      return Optional.empty();
    }
    return running.failure().or(http::failure);
  }

  /** Ready while Kafka Streams is RUNNING ({@link StreamsApplication#readiness()}). */
  @Override
  public Readiness readiness() {
    StreamsApplication running = app;
    return running == null ? Readiness.waitingFor("status: not started") : running.readiness();
  }

  @Override
  public CompositeMeterRegistry meters() {
    return meters;
  }

  /** The Kafka Streams state, or null before {@link #start()}. */
  public KafkaStreams.State state() {
    StreamsApplication running = app;
    return running == null ? null : running.state();
  }

  /** The HTTP API's advertised base URL, or null before {@link #start()}. */
  public synchronized URI httpUrl() {
    return self;
  }

  /** Stops serving and processing, committing what is done. */
  @Override
  public synchronized void close() {
    closing = true;
    if (app != null) {
      app.closing();
    }
    if (http != null) {
      http.close();
    }
    if (app != null) {
      app.close();
      log.info("Status view stopped: applicationId={}", config.applicationId());
    }
  }
}
