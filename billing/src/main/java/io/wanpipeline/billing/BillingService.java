package io.wanpipeline.billing;

import static org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.billing.estimate.CostEstimator;
import io.wanpipeline.billing.http.BillingHttpServer;
import io.wanpipeline.billing.http.BillingQueries;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.billing.price.PriceSeeder;
import io.wanpipeline.billing.price.StorePriceLookup;
import io.wanpipeline.billing.totals.TotalsKey;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Price;
import io.wanpipeline.runtime.http.JsonApiServer;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.runtime.service.StreamsLiveness;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
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
 * The billing service: creates the price-history topic, seeds and syncs prices, and runs {@link
 * BillingTopology} with exactly-once processing. Several instances share the work through the
 * Streams application id.
 */
public final class BillingService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(BillingService.class);
  private static final Duration SEED_TIMEOUT = Duration.ofSeconds(60);

  /** How long closing Kafka Streams may take: it commits, then leaves the group. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

  private final BillingConfig config;
  private final Clock clock;
  private final Topics topics;
  private final CompositeMeterRegistry meters = ServiceMeters.forService("billing");
  private final BillingMetrics metrics = new BillingMetrics(meters);
  private KafkaStreamsMetrics streamsMetrics;
  private KafkaStreams streams;
  private volatile StreamsLiveness liveness;
  private volatile BillingHttpServer http;
  private volatile boolean closing;
  private URI self;

  public BillingService(BillingConfig config, Clock clock, Topics topics) {
    this.config = config;
    this.clock = clock;
    this.topics = topics;
  }

  /**
   * The Kafka Streams settings of {@code config}, without {@code application.server}: unreadable
   * records go to {@code billing-dlq}, counted in {@code metrics}.
   */
  public static Properties streamsProperties(BillingConfig config, BillingMetrics metrics) {
    Properties props = new Properties();
    props.putAll(config.kafka().clientProperties());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // Kafka 5.0's behaviour, taken now: a processing error in the global thread goes to the
    // processing handler (which fails, as before). Named by its key: its constant is deprecated,
    // since in 5.0 this is the only behaviour. (Kafka 4.4 still warns about it once per stream
    // thread: its partition assignor builds a configuration of its own without this key.)
    props.put("processing.exception.handler.global.enabled", true);
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.kafka().replicationFactor());
    DeadLetterUnreadableRecords.configure(
        props, config.kafka().topicNames().billingDlq(), metrics.unreadableRecords());
    // Static membership: a restarted instance (same id, same state directory, so the same Streams
    // process id and transactional ids) takes its tasks back without a rebalance.
    config
        .instanceId()
        .ifPresent(
            id ->
                props.put(
                    StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
    return props;
  }

  /**
   * Creates the price-history topic if missing, seeds prices (when {@code billing.seed-prices}) and
   * copies the current wan-prices into the history, then starts processing in the background.
   * Seeding blocks for at most a minute.
   */
  @Override
  public synchronized void start() {
    if (streams != null) {
      throw new IllegalStateException("billing service already started");
    }
    TopicProvisioner.ensure(
        config.kafka().clientConfig(),
        List.of(
            new TopicSpec(
                BillingTopology.priceHistory(topics).name(),
                1,
                config.kafka().replicationFactor(),
                Map.of("cleanup.policy", "compact", "retention.ms", TopicSpec.FOREVER))));
    List<Price> seed =
        !config.seedPrices()
            ? List.of()
            : config.priceFile() == null ? PriceFile.bundled() : PriceFile.read(config.priceFile());
    new PriceSeeder(config.kafka().clientProperties(), clock, SEED_TIMEOUT)
        .seed(topics.wanPrices(), BillingTopology.priceHistory(topics), seed);
    Properties props = streamsProperties(config, metrics);
    if (config.httpPort() != null) {
      BillingHttpServer server = new BillingHttpServer(config.httpHost(), config.httpPort(), clock);
      http = server;
      int port = server.start().getPort();
      self =
          config.advertisedUrl() != null
              ? config.advertisedUrl()
              : JsonApiServer.advertisedUrl(config.httpHost(), port);
      props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.getHost() + ":" + self.getPort());
      log.info(
          "Billing HTTP server listening: applicationId={}, port={}, advertised={}",
          config.applicationId(),
          port,
          self);
    }
    KafkaStreams created = new KafkaStreams(BillingTopology.build(config, topics, metrics), props);
    StreamsLiveness watched = new StreamsLiveness(config.applicationId(), created, clock);
    created.setUncaughtExceptionHandler(
        e -> {
          StreamThreadExceptionResponse response = watched.threadFailed(e);
          log.error(
              "Billing stream thread failed: applicationId={}, response={}",
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
    if (http != null) {
      http.serve(new Queries(created));
    }
    log.info(
        "Billing started: applicationId={}, statusTopic={}",
        config.applicationId(),
        topics.taskStatus().name());
  }

  /**
   * Why billing can no longer work: Kafka Streams in ERROR, stopped without a close, or without a
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
    BillingHttpServer server = http;
    if (server != null && !server.serving()) {
      return Optional.of(
          new IllegalStateException(
              "the billing HTTP server stopped without a close: applicationId="
                  + config.applicationId()));
    }
    return Optional.empty();
  }

  /** Ready while Kafka Streams is RUNNING ({@link StreamsLiveness#readiness()}). */
  @Override
  public Readiness readiness() {
    StreamsLiveness watched = liveness;
    return watched == null ? Readiness.waitingFor("billing: not started") : watched.readiness();
  }

  @Override
  public CompositeMeterRegistry meters() {
    return meters;
  }

  /** The Kafka Streams state, or null before {@link #start()}. */
  public synchronized KafkaStreams.State state() {
    return streams == null ? null : streams.state();
  }

  /** Succeeded requests this instance flagged as unpriced since it started. */
  public long unpricedCount() {
    return metrics.charges().unpricedCount();
  }

  /**
   * The totals of {@code accountId} for every UTC day from {@code fromDay} to {@code toDay}
   * (inclusive), one per day and currency, ordered by day then currency. Reads this instance's
   * store only: with several instances, each answers for the accounts and days it hosts.
   *
   * @throws org.apache.kafka.streams.errors.InvalidStateStoreException while the store is not
   *     queryable (starting, rebalancing)
   */
  public List<AccountTotal> totals(String accountId, LocalDate fromDay, LocalDate toDay) {
    KafkaStreams current;
    synchronized (this) {
      current = streams;
    }
    if (current == null) {
      throw new IllegalStateException("billing service not started");
    }
    ReadOnlyKeyValueStore<String, AccountTotal> store =
        current.store(
            StoreQueryParameters.fromNameAndType(
                BillingTopology.TOTALS_STORE, QueryableStoreTypes.keyValueStore()));
    String from = fromDay.toString();
    String to = toDay.toString();
    List<AccountTotal> out = new ArrayList<>();
    try (KeyValueIterator<String, AccountTotal> it =
        store.range(TotalsKey.dayStart(accountId, from), TotalsKey.dayEnd(accountId, to))) {
      while (it.hasNext()) {
        AccountTotal total = it.next().value;
        if (total.getAccountId().equals(accountId)
            && total.getDay().compareTo(from) >= 0
            && total.getDay().compareTo(to) <= 0) {
          out.add(total);
        }
      }
    }
    return out;
  }

  /** The HTTP server's advertised base URL, or null when it has none. */
  public synchronized URI httpUrl() {
    return self;
  }

  /** The queries the HTTP server answers, over the running streams. */
  private final class Queries implements BillingQueries {
    private final KafkaStreams streams;
    private final ModelCatalogue catalogue = ModelCatalogue.standard();

    Queries(KafkaStreams streams) {
      this.streams = streams;
    }

    @Override
    public List<AccountTotal> localTotals(String account, LocalDate from, LocalDate to) {
      return totals(account, from, to);
    }

    @Override
    public List<URI> totalsInstances() {
      List<URI> out = new ArrayList<>();
      for (StreamsMetadata m : streams.streamsMetadataForStore(BillingTopology.TOTALS_STORE)) {
        HostInfo h = m.hostInfo();
        out.add(URI.create("http://" + h.host() + ":" + h.port()));
      }
      if (out.isEmpty()) {
        throw new InvalidStateStoreException("no instance holds the totals store yet");
      }
      return out;
    }

    @Override
    public URI self() {
      return self;
    }

    @Override
    public CostEstimator estimator() {
      ReadOnlyKeyValueStore<String, Price> history =
          streams.store(
              StoreQueryParameters.fromNameAndType(
                  BillingTopology.PRICE_HISTORY_STORE, QueryableStoreTypes.keyValueStore()));
      return new CostEstimator(new StorePriceLookup(history), config.accountPricing(), catalogue);
    }
  }

  /** Stops processing, committing what is done. */
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
      // Leaving the group hands this instance's tasks to a survivor at once, static member or not.
      streams.close(CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(LEAVE_GROUP));
      log.info("Billing stopped: applicationId={}", config.applicationId());
    }
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
  }
}
