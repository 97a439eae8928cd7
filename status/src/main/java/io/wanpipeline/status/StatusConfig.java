package io.wanpipeline.status;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Typed configuration of the status view.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.*}, {@code schema-registry.url}, {@code topics.*}: see {@link KafkaSettings};
 *       the replication factor is also Kafka Streams' {@code replication.factor};
 *   <li>{@code status.application-id} [{@code wan-pipeline-status}]: the Kafka Streams application
 *       id (consumer group, changelog prefix);
 *   <li>{@code status.state-dir} [{@code <java.io.tmpdir>/wan-pipeline/<application-id>}]: Kafka
 *       Streams state directory;
 *   <li>{@code status.commit-interval} [100ms]: Kafka Streams commit interval, which bounds how
 *       late the view is;
 *   <li>{@code status.stream-threads} [1]: Kafka Streams threads;
 *   <li>{@code status.http.port} [8080]: port of the HTTP API, 0 for any free port;
 *   <li>{@code status.http.host} [{@code 0.0.0.0}]: address the HTTP server binds;
 *   <li>{@code status.advertised-url} [{@code http://<hostname>:<bound port>}]: the URL other
 *       instances reach this one at; its host and port become Kafka Streams' {@code
 *       application.server};
 *   <li>{@code status.instance-id} [none: dynamic membership]: static membership, as {@code
 *       billing.instance-id};
 *   <li>{@code status.console.metrics-urls} [none]: comma-separated {@code /metrics} URLs of the
 *       submitter, poller and archiver instances, read by the console (lanes, query budgets, 429s,
 *       archive backlog); without them the console shows what the view itself holds.
 * </ul>
 *
 * @param kafka Kafka clients, schema registry and topics
 * @param applicationId Kafka Streams application id
 * @param stateDir Kafka Streams state directory
 * @param commitInterval Kafka Streams commit interval
 * @param streamThreads Kafka Streams threads
 * @param httpPort HTTP API port (0 = any free port)
 * @param httpHost address the HTTP server binds
 * @param advertisedUrl URL other instances reach this one at, or null to derive it
 * @param instanceId the Streams consumer's {@code group.instance.id}, if any
 * @param consoleMetrics the services' {@code /metrics} URLs the console reads
 */
public record StatusConfig(
    KafkaSettings kafka,
    String applicationId,
    Path stateDir,
    Duration commitInterval,
    int streamThreads,
    int httpPort,
    String httpHost,
    URI advertisedUrl,
    Optional<String> instanceId,
    List<URI> consoleMetrics) {

  /** Default Kafka Streams application id. */
  public static final String DEFAULT_APPLICATION_ID = "wan-pipeline-status";

  /** Default HTTP API port. */
  public static final int DEFAULT_HTTP_PORT = 8080;

  public StatusConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(applicationId, "applicationId");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(commitInterval, "commitInterval");
    Objects.requireNonNull(httpHost, "httpHost");
    Objects.requireNonNull(instanceId, "instanceId");
    consoleMetrics = List.copyOf(consoleMetrics);
  }

  private static List<URI> consoleMetrics(Settings s) {
    List<URI> urls = new ArrayList<>();
    for (String part : s.string("status.console.metrics-urls", "").split(",")) {
      if (part.isBlank()) {
        continue;
      }
      URI url;
      try {
        url = URI.create(part.strip());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("status.console.metrics-urls: not a URL: " + part.strip());
      }
      if (url.getHost() == null
          || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
        throw new ConfigException(
            "status.console.metrics-urls: must be http(s)://host:port/metrics URLs, got " + url);
      }
      urls.add(url);
    }
    return urls;
  }

  /** Reads and validates the configuration; fails naming the offending key. */
  public static StatusConfig from(Settings s) {
    KafkaSettings kafka = KafkaSettings.from(s);
    String applicationId = s.string("status.application-id", DEFAULT_APPLICATION_ID);
    Duration commitInterval = s.duration("status.commit-interval", Duration.ofMillis(100));
    if (commitInterval.isNegative() || commitInterval.isZero()) {
      throw new ConfigException("status.commit-interval: must be positive");
    }
    int threads = s.integer("status.stream-threads", 1);
    if (threads < 1) {
      throw new ConfigException("status.stream-threads: must be at least 1, got " + threads);
    }
    int httpPort = s.integer("status.http.port", DEFAULT_HTTP_PORT);
    if (httpPort < 0 || httpPort > 65_535) {
      throw new ConfigException("status.http.port: must be 0 to 65535, got " + httpPort);
    }
    URI advertised = null;
    if (s.find("status.advertised-url").isPresent()) {
      advertised = s.uri("status.advertised-url");
      if (advertised.getHost() == null
          || advertised.getPort() < 0
          || !"http".equals(advertised.getScheme())) {
        throw new ConfigException(
            "status.advertised-url: must be http://host:port, got " + advertised);
      }
    }
    return new StatusConfig(
        kafka,
        applicationId,
        s.find("status.state-dir")
            .map(Path::of)
            .orElse(Path.of(System.getProperty("java.io.tmpdir"), "wan-pipeline", applicationId)),
        commitInterval,
        threads,
        httpPort,
        s.string("status.http.host", "0.0.0.0"),
        advertised,
        s.find("status.instance-id").map(String::strip).filter(id -> !id.isEmpty()),
        consoleMetrics(s));
  }
}
