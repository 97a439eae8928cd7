package io.wanpipeline.billing;

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
import io.wanpipeline.runtime.service.StreamsApplication;
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
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
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

  private final BillingConfig config;
  private final Clock clock;
  private final Topics topics;
  private final CompositeMeterRegistry meters = ServiceMeters.forService("billing");
  private final BillingMetrics metrics = new BillingMetrics(meters);
  private volatile StreamsApplication app;
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
    Properties props =
        StreamsApplication.properties(
            config.kafka(),
            config.applicationId(),
            config.stateDir(),
            config.streamThreads(),
            config.kafka().topicNames().billingDlq(),
            metrics.registry(),
            config.instanceId());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    return props;
  }

  /**
   * Creates the price-history topic if missing, seeds prices (when {@code billing.seed-prices}) and
   * copies the current wan-prices into the history, then starts processing in the background.
   * Seeding blocks for at most a minute.
   */
  @Override
  public synchronized void start() {
    if (app != null) {
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
    app =
        StreamsApplication.start(
            "billing", BillingTopology.build(config, topics, metrics), props, clock, meters);
    if (http != null) {
      http.serve(new Queries(app.streams()));
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
    StreamsApplication running = app;
    if (closing || running == null) {
      return Optional.empty();
    }
    return running.failure().or(() -> Optional.ofNullable(http).flatMap(JsonApiServer::failure));
  }

  /** Ready while Kafka Streams is RUNNING ({@link StreamsApplication#readiness()}). */
  @Override
  public Readiness readiness() {
    StreamsApplication running = app;
    return running == null ? Readiness.waitingFor("billing: not started") : running.readiness();
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
    StreamsApplication running = app;
    if (running == null) {
      throw new IllegalStateException("billing service not started");
    }
    ReadOnlyKeyValueStore<String, AccountTotal> store =
        running
            .streams()
            .store(
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
      log.info("Billing stopped: applicationId={}", config.applicationId());
    }
  }
}
