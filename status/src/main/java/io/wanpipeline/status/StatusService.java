package io.wanpipeline.status;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.runtime.http.JsonApiServer;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.runtime.service.StreamsApplication;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.status.console.ServiceMetrics;
import io.wanpipeline.status.http.StatusHttpServer;
import io.wanpipeline.status.http.StatusQueries;
import io.wanpipeline.status.view.IndexKeys;
import io.wanpipeline.status.view.Lifecycles;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
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
    server.serve(new Queries(app.streams()));
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
    public InFlight localInFlight(int limit) {
      ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
      Map<String, Long> counts = new TreeMap<>();
      PriorityQueue<RequestLifecycle> newestOnTop =
          new PriorityQueue<>(Comparator.comparing(Lifecycles::since).reversed());
      try (KeyValueIterator<String, String> it =
          index().prefixScan(IndexKeys.IN_FLIGHT, new StringSerializer())) {
        while (it.hasNext()) {
          RequestLifecycle lifecycle = requests.get(IndexKeys.requestId(it.next().key));
          if (lifecycle == null) {
            continue;
          }
          counts.merge(lifecycle.getLatest().getState().name(), 1L, Long::sum);
          newestOnTop.add(lifecycle);
          if (newestOnTop.size() > limit) {
            newestOnTop.poll();
          }
        }
      }
      List<RequestLifecycle> oldest = new ArrayList<>(newestOnTop);
      oldest.sort(Comparator.comparing(Lifecycles::since));
      return new InFlight(counts, oldest);
    }

    @Override
    public List<RequestLifecycle> localFailures(int limit) {
      return newest(IndexKeys.FAILED, limit);
    }

    @Override
    public List<RequestLifecycle> localRecent(int limit) {
      return newest(IndexKeys.RECENT, limit);
    }

    /**
     * The requests of the newest-first index entries under {@code prefix}: the first {@code limit}
     * of each partition this instance holds (each partition's store sorts them), merged.
     */
    private List<RequestLifecycle> newest(String prefix, int limit) {
      ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
      List<RequestLifecycle> found = new ArrayList<>();
      for (int partition : localPartitions()) {
        ReadOnlyKeyValueStore<String, String> index =
            streams.store(
                StoreQueryParameters.fromNameAndType(
                        StatusTopology.INDEX_STORE,
                        QueryableStoreTypes.<String, String>keyValueStore())
                    .withPartition(partition));
        try (KeyValueIterator<String, String> it =
            index.prefixScan(prefix, new StringSerializer())) {
          for (int n = 0; n < limit && it.hasNext(); n++) {
            RequestLifecycle lifecycle = requests.get(IndexKeys.requestId(it.next().key));
            if (lifecycle != null) {
              found.add(lifecycle);
            }
          }
        }
      }
      found.sort(
          Comparator.comparing((RequestLifecycle l) -> l.getLatest().getEventTime()).reversed());
      return found.size() > limit ? List.copyOf(found.subList(0, limit)) : found;
    }

    /** The task-status partitions whose stores this instance holds now (its active tasks). */
    private Set<Integer> localPartitions() {
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

    @Override
    public List<AccountTotal> localTotals(String day) {
      ReadOnlyKeyValueStore<String, AccountTotal> totals =
          streams.store(
              StoreQueryParameters.fromNameAndType(
                  StatusTopology.TOTALS_STORE, QueryableStoreTypes.keyValueStore()));
      List<AccountTotal> out = new ArrayList<>();
      try (KeyValueIterator<String, AccountTotal> it =
          totals.prefixScan(day + "|", new StringSerializer())) {
        while (it.hasNext()) {
          out.add(it.next().value);
        }
      }
      return out;
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
