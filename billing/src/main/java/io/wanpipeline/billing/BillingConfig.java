package io.wanpipeline.billing;

import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Typed configuration of the billing service.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.*}, {@code schema-registry.url}, {@code topics.*}: see {@link KafkaSettings};
 *       the {@code kafka.*} settings go to Kafka Streams and the price seeder, {@code
 *       topics.partitions} and {@code topics.replication-factor} are used when billing creates the
 *       topics it owns, and the replication factor is also Kafka Streams' {@code
 *       replication.factor};
 *   <li>{@code billing.application-id} [{@code wan-pipeline-billing}]: the Kafka Streams
 *       application id (consumer group, internal topic and changelog prefix);
 *   <li>{@code billing.state-dir} [{@code <java.io.tmpdir>/wan-pipeline/<application-id>}]: Kafka
 *       Streams state directory;
 *   <li>{@code billing.seed-prices} [true]: seed wan-prices from the price file at start, writing
 *       only keys the topic does not have;
 *   <li>{@code billing.price-file} [the bundled {@code prices/wan-prices-v1.csv}]: price file to
 *       seed from;
 *   <li>{@code billing.commit-interval} [100ms]: Kafka Streams commit interval;
 *   <li>{@code billing.stream-threads} [1]: Kafka Streams threads;
 *   <li>{@code provider.<name>.price-markup} [1] and {@code provider.<name>.price-currency} [the
 *       price's own], for each name in {@code provider.accounts}: see {@link AccountPricing};
 *   <li>{@code billing.http.port} [none: no HTTP server]: port of the totals and estimate HTTP
 *       server, 0 for any free port;
 *   <li>{@code billing.http.host} [{@code 0.0.0.0}]: address the HTTP server binds;
 *   <li>{@code billing.advertised-url} [{@code http://<hostname>:<bound port>}]: the URL other
 *       billing instances reach this one's HTTP server at; its host and port become Kafka Streams'
 *       {@code application.server};
 *   <li>{@code billing.instance-id} [none: dynamic membership]: unique per instance and stable
 *       across its restarts (a pod name), with a stable {@code billing.state-dir}: the Streams
 *       consumer's {@code group.instance.id} (static membership; Streams appends the thread
 *       number), so a restarted instance takes its tasks back at once instead of after its killed
 *       predecessor's session timeout.
 * </ul>
 *
 * @param kafka Kafka clients, schema registry and topics
 * @param applicationId Kafka Streams application id
 * @param stateDir Kafka Streams state directory
 * @param seedPrices whether to seed prices at start
 * @param priceFile price file to seed from, or null for the bundled one
 * @param commitInterval Kafka Streams commit interval
 * @param streamThreads Kafka Streams threads
 * @param accountPricing markups and currencies per provider account
 * @param httpPort HTTP server port (0 = any free port), or null for no HTTP server
 * @param httpHost address the HTTP server binds
 * @param advertisedUrl URL other instances reach this one at, or null to derive it
 * @param instanceId the Streams consumer's {@code group.instance.id}, if any
 */
public record BillingConfig(
    KafkaSettings kafka,
    String applicationId,
    Path stateDir,
    boolean seedPrices,
    Path priceFile,
    Duration commitInterval,
    int streamThreads,
    AccountPricing accountPricing,
    Integer httpPort,
    String httpHost,
    URI advertisedUrl,
    Optional<String> instanceId) {

  /** Default number of Kafka Streams threads. */
  public static final int DEFAULT_STREAM_THREADS = 2;

  /** Default Kafka Streams application id. */
  public static final String DEFAULT_APPLICATION_ID = "wan-pipeline-billing";

  public BillingConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(commitInterval, "commitInterval");
    Objects.requireNonNull(accountPricing, "accountPricing");
    Objects.requireNonNull(httpHost, "httpHost");
    Objects.requireNonNull(instanceId, "instanceId");
  }

  /** Reads and validates the configuration; fails naming the offending key. */
  public static BillingConfig from(Settings s) {
    KafkaSettings kafka = KafkaSettings.from(s);
    String applicationId = s.string("billing.application-id", DEFAULT_APPLICATION_ID);
    Duration commitInterval = s.duration("billing.commit-interval", Duration.ofMillis(100));
    if (commitInterval.isNegative() || commitInterval.isZero()) {
      throw new ConfigException("billing.commit-interval: must be positive");
    }
    int threads = s.integer("billing.stream-threads", DEFAULT_STREAM_THREADS);
    if (threads < 1) {
      throw new ConfigException("billing.stream-threads: must be at least 1, got " + threads);
    }
    Path stateDir =
        s.find("billing.state-dir")
            .map(Path::of)
            .orElse(Path.of(System.getProperty("java.io.tmpdir"), "wan-pipeline", applicationId));
    Integer httpPort = null;
    if (s.find("billing.http.port").isPresent()) {
      httpPort = s.integer("billing.http.port", 0);
      if (httpPort < 0 || httpPort > 65_535) {
        throw new ConfigException("billing.http.port: must be 0 to 65535, got " + httpPort);
      }
    }
    URI advertised = null;
    if (s.find("billing.advertised-url").isPresent()) {
      advertised = s.uri("billing.advertised-url");
      if (advertised.getHost() == null
          || advertised.getPort() < 0
          || !"http".equals(advertised.getScheme())) {
        throw new ConfigException(
            "billing.advertised-url: must be http://host:port, got " + advertised);
      }
    }
    return new BillingConfig(
        kafka,
        applicationId,
        stateDir,
        s.bool("billing.seed-prices", true),
        s.find("billing.price-file").map(Path::of).orElse(null),
        commitInterval,
        threads,
        AccountPricing.from(s),
        httpPort,
        s.string("billing.http.host", "0.0.0.0"),
        advertised,
        s.find("billing.instance-id").map(String::strip).filter(id -> !id.isEmpty()));
  }
}
