package io.wanpipeline.status;

import static org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.runtime.http.JsonApiServer;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.runtime.service.StreamsLiveness;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.status.http.StatusHttpServer;
import io.wanpipeline.status.http.StatusQueries;
import io.wanpipeline.status.view.IndexKeys;
import io.wanpipeline.status.view.Lifecycles;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status view: runs {@link StatusTopology} with exactly-once processing and serves it over HTTP
 * ({@link StatusHttpServer}). Several instances share the partitions through the Streams
 * application id and answer for each other (interactive queries).
 */
public final class StatusService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(StatusService.class);

  /** How long closing Kafka Streams may take: it commits, then leaves the group. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

  private final StatusConfig config;
  private final Clock clock;
  private final Topics topics;
  private final CompositeMeterRegistry meters = ServiceMeters.forService("status");
  private KafkaStreamsMetrics streamsMetrics;
  private KafkaStreams streams;
  private volatile StreamsLiveness liveness;
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
    Properties props = new Properties();
    props.putAll(config.kafka().clientProperties());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // As billing and the poller: Kafka 5.0's behaviour, named by its key (its constant is
    // deprecated; Kafka 4.4 still warns once per stream thread, from its partition assignor).
    props.put("processing.exception.handler.global.enabled", true);
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.kafka().replicationFactor());
    props.putIfAbsent(
        StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    DeadLetterUnreadableRecords.configure(
        props, config.kafka().topicNames().statusDlq(), ServiceMeters.unreadableRecords(meters));
    config
        .instanceId()
        .ifPresent(
            id ->
                props.put(
                    StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
    return props;
  }

  /** Starts the HTTP server, then processing in the background. */
  @Override
  public synchronized void start() {
    if (streams != null) {
      throw new IllegalStateException("status view already started");
    }
    Properties props = streamsProperties(config, meters);
    StatusHttpServer server = new StatusHttpServer(config.httpHost(), config.httpPort());
    http = server;
    int port = server.start().getPort();
    self =
        config.advertisedUrl() != null
            ? config.advertisedUrl()
            : JsonApiServer.advertisedUrl(config.httpHost(), port);
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.getHost() + ":" + self.getPort());
    KafkaStreams created = new KafkaStreams(StatusTopology.build(topics), props);
    StreamsLiveness watched = new StreamsLiveness(config.applicationId(), created, clock);
    created.setUncaughtExceptionHandler(
        e -> {
          StreamThreadExceptionResponse response = watched.threadFailed(e);
          log.error(
              "Status stream thread failed: applicationId={}, response={}",
              config.applicationId(),
              response,
              e);
          return response;
        });
    liveness = watched;
    streamsMetrics = new KafkaStreamsMetrics(created);
    streamsMetrics.bindTo(meters);
    created.start();
    streams = created;
    server.serve(new Queries(created));
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
    if (closing) {
      return Optional.empty();
    }
    StreamsLiveness watched = liveness;
    Optional<Throwable> streamsFailure = watched == null ? Optional.empty() : watched.failure();
    if (streamsFailure.isPresent()) {
      return streamsFailure;
    }
    StatusHttpServer server = http;
    if (server != null && !server.serving()) {
      return Optional.of(
          new IllegalStateException(
              "the status HTTP server stopped without a close: applicationId="
                  + config.applicationId()));
    }
    return Optional.empty();
  }

  /** Ready while Kafka Streams is RUNNING ({@link StreamsLiveness#readiness()}). */
  @Override
  public Readiness readiness() {
    StreamsLiveness watched = liveness;
    return watched == null ? Readiness.waitingFor("status: not started") : watched.readiness();
  }

  @Override
  public CompositeMeterRegistry meters() {
    return meters;
  }

  /** The Kafka Streams state, or null before {@link #start()}. */
  public synchronized KafkaStreams.State state() {
    return streams == null ? null : streams.state();
  }

  /** The HTTP API's advertised base URL, or null before {@link #start()}. */
  public synchronized URI httpUrl() {
    return self;
  }

  /** The queries the HTTP API answers, over the running streams. */
  private final class Queries implements StatusQueries {
    private final KafkaStreams streams;

    Queries(KafkaStreams streams) {
      this.streams = streams;
    }

    private ReadOnlyKeyValueStore<String, RequestLifecycle> requests() {
      return streams.store(
          StoreQueryParameters.fromNameAndType(
              StatusTopology.REQUESTS_STORE, QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, String> index() {
      return streams.store(
          StoreQueryParameters.fromNameAndType(
              StatusTopology.INDEX_STORE, QueryableStoreTypes.keyValueStore()));
    }

    @Override
    public Optional<RequestLifecycle> localRequest(String requestId) {
      return Optional.ofNullable(requests().get(requestId));
    }

    @Override
    public URI owner(String requestId) {
      KeyQueryMetadata where =
          streams.queryMetadataForKey(
              StatusTopology.REQUESTS_STORE, requestId, Serdes.String().serializer());
      if (where == null || where.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
        throw new InvalidStateStoreException("no instance holds request " + requestId + " now");
      }
      return uri(where.activeHost());
    }

    @Override
    public List<RequestLifecycle> localRequests(Selection selection, int limit) {
      String prefix =
          selection.batch() != null
              ? IndexKeys.batch(selection.batch())
              : selection.account() != null
                  ? IndexKeys.account(selection.account())
                  : IndexKeys.IN_FLIGHT;
      ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
      List<RequestLifecycle> found = new ArrayList<>();
      try (KeyValueIterator<String, String> it =
          index().prefixScan(prefix, new StringSerializer())) {
        while (it.hasNext()) {
          KeyValue<String, String> entry = it.next();
          RequestLifecycle lifecycle = requests.get(IndexKeys.requestId(entry.key));
          if (lifecycle != null && matches(lifecycle, selection)) {
            found.add(lifecycle);
          }
        }
      }
      found.sort(
          Comparator.comparing((RequestLifecycle l) -> l.getLatest().getEventTime()).reversed());
      return found.size() > limit ? found.subList(0, limit) : found;
    }

    private boolean matches(RequestLifecycle lifecycle, Selection selection) {
      return (selection.account() == null
              || selection.account().equals(lifecycle.getLatest().getAccountId()))
          && (selection.batch() == null
              || selection.batch().equals(Lifecycles.batch(lifecycle.getLatest()).orElse(null)))
          && (!selection.inFlight() || Lifecycles.inFlight(lifecycle));
    }

    @Override
    public Optional<Charge> localCharge(String requestId) {
      ReadOnlyKeyValueStore<String, Charge> charges =
          streams.store(
              StoreQueryParameters.fromNameAndType(
                  StatusTopology.CHARGES_STORE, QueryableStoreTypes.keyValueStore()));
      return Optional.ofNullable(charges.get(requestId));
    }

    @Override
    public List<RequestLifecycle> localBatchPage(String batchId, String after, int limit) {
      String prefix = IndexKeys.batch(batchId);
      // Index keys of one batch sort by request_id; '|' (0x7C) sorts after every id character,
      // so prefix + '|' is past the batch's last key. The store of an instance is one store per
      // partition, each iterated in turn: the ids are gathered and sorted before the page is cut.
      String from = after == null ? prefix : prefix + after + "\0";
      List<String> ids = new ArrayList<>();
      try (KeyValueIterator<String, String> it = index().range(from, prefix + "|")) {
        while (it.hasNext()) {
          ids.add(IndexKeys.requestId(it.next().key));
        }
      }
      Collections.sort(ids);
      ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
      List<RequestLifecycle> page = new ArrayList<>();
      for (String id : ids) {
        if (page.size() == limit) {
          break;
        }
        RequestLifecycle lifecycle = requests.get(id);
        if (lifecycle != null) {
          page.add(lifecycle);
        }
      }
      return page;
    }

    @Override
    public Map<String, Map<String, Long>> localBatches() {
      Map<String, Map<String, Long>> batches = new TreeMap<>();
      try (KeyValueIterator<String, String> it =
          index().prefixScan(IndexKeys.BATCHES, new StringSerializer())) {
        while (it.hasNext()) {
          KeyValue<String, String> entry = it.next();
          batches
              .computeIfAbsent(IndexKeys.batchId(entry.key), b -> new TreeMap<>())
              .merge(entry.value, 1L, Long::sum);
        }
      }
      return batches;
    }

    @Override
    public Map<String, Long> localBatchCounts(String batchId) {
      Map<String, Long> counts = new TreeMap<>();
      try (KeyValueIterator<String, String> it =
          index().prefixScan(IndexKeys.batch(batchId), new StringSerializer())) {
        while (it.hasNext()) {
          counts.merge(it.next().value, 1L, Long::sum);
        }
      }
      return counts;
    }

    @Override
    public List<URI> instances() {
      List<URI> out = new ArrayList<>();
      for (StreamsMetadata m : streams.streamsMetadataForStore(StatusTopology.REQUESTS_STORE)) {
        out.add(uri(m.hostInfo()));
      }
      if (out.isEmpty()) {
        throw new InvalidStateStoreException("no instance holds the requests store yet");
      }
      return out;
    }

    @Override
    public URI self() {
      return self;
    }

    private static URI uri(HostInfo host) {
      return URI.create("http://" + host.host() + ":" + host.port());
    }
  }

  /** Stops serving and processing, committing what is done. */
  @Override
  public synchronized void close() {
    closing = true;
    if (liveness != null) {
      liveness.closing();
    }
    if (http != null) {
      http.close();
    }
    if (streams != null) {
      streams.close(CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(LEAVE_GROUP));
      log.info("Status view stopped: applicationId={}", config.applicationId());
    }
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
  }
}
