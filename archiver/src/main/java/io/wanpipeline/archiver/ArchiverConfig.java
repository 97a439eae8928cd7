package io.wanpipeline.archiver;

import io.wanpipeline.archiver.download.VideoDownloader.TrustStore;
import io.wanpipeline.archiver.link.AllowedOrigin;
import io.wanpipeline.archiver.link.Cidr;
import io.wanpipeline.archiver.link.LinkPolicy;
import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;

/**
 * Typed configuration of the archiver.
 *
 * <p>Keys (defaults in brackets):
 *
 * <ul>
 *   <li>{@code kafka.*}, {@code schema-registry.url}, {@code topics.*}: see {@link KafkaSettings};
 *       the {@code kafka.*} settings go to the consumer and the producer, and {@code
 *       topics.partitions} and {@code topics.replication-factor} are used when the archiver creates
 *       the task-status topic it reads and writes;
 *   <li>{@code provider.*}: the provider accounts and their keys (see {@link ProviderAccounts});
 *   <li>{@code archiver.group-id} [{@code wan-pipeline-archiver}]: consumer group;
 *   <li>{@code archiver.instance-id} [a random UUID]: unique per instance and stable across its
 *       restarts (a pod name): the consumer's {@code group.instance.id} (static membership), so a
 *       restarted instance takes its partitions back at once, and part of the default transactional
 *       id, so it fences its killed predecessor and aborts its open transaction at once;
 *   <li>{@code archiver.transactional-id} [{@code <group-id>-<instance-id>}]: transactional id of
 *       this instance's producer (zombies are fenced by the consumer group generation);
 *   <li>{@code archiver.bucket} (required): S3 bucket of the videos;
 *   <li>{@code archiver.key-prefix} [{@code videos}]: first segment of every object key;
 *   <li>{@code archiver.create-bucket} [false]: create the bucket at start if missing (local
 *       stack);
 *   <li>{@code archiver.max-video-bytes} [4GiB, at most 5GiB]: larger videos end ARCHIVE_FAILED
 *       {@code VIDEO_TOO_LARGE};
 *   <li>{@code archiver.download-timeout} [5m]: limit of one download-and-upload attempt;
 *   <li>{@code archiver.connect-timeout} [10s]: HTTP connect timeout of downloads;
 *   <li>{@code archiver.task-deadline} [10m]: time after which a request's transient failures stop
 *       being retried;
 *   <li>{@code archiver.max-attempts} [24]: attempts per request, the first included (with the
 *       default backoff, enough to reach the task deadline, which then decides);
 *   <li>{@code archiver.retry-initial-backoff} [1s] and {@code archiver.retry-max-backoff} [30s]:
 *       exponential, jittered delay between attempts;
 *   <li>{@code archiver.query-rate} [none]: optional cap on the task queries for fresh result links
 *       per second per provider account that this instance makes. The archiver instances already
 *       share each account's reserve ({@code AccountLimits.archiveRate()}, 2 of the default 20 a
 *       second) in proportion to the task-status partitions each owns; this key can only lower an
 *       instance's share. A query of a task also keeps 3 s after that request's previous query and
 *       after the instance was last given partitions;
 *   <li>{@code archiver.workers} [4]: requests archived at the same time, across all owned
 *       partitions, soonest-expiring link first;
 *   <li>{@code archiver.expiry-margin} [1h]: a queued request whose archive is estimated to start
 *       later than this before its link expires is logged (WARN, once) and counted as at risk;
 *   <li>{@code archiver.shutdown-grace} [10s]: how long {@code close()} waits for requests in
 *       flight before abandoning them (they are redone by the next owner); with the clients' 5 s
 *       close it keeps a stop within the services' 25 s bound;
 *   <li>{@code archiver.link-hosts} [{@code *.aliyuncs.com}]: comma-separated hosts result links
 *       may point to: exact names, {@code *.suffix} wildcards (one or more labels before the
 *       suffix), or exact canonical IP literals ({@code 127.0.0.1}, {@code [::1]}), each optionally
 *       pinned to a port ({@code 127.0.0.1:8443}) or to an exact origin ({@code
 *       https://127.0.0.1:8443}); see {@link LinkPolicy} and {@link AllowedOrigin};
 *   <li>{@code archiver.link-allow-http} [false]: accept plain http links (local stack and tests
 *       only);
 *   <li>{@code archiver.link-allowed-addresses} [none]: comma-separated CIDR blocks (literal
 *       addresses, for example {@code 127.0.0.1/32}) exempt from the address rules that refuse
 *       loopback, private, link-local, metadata and other special addresses;
 *   <li>{@code archiver.link-trust-store} [none: the JDK's CAs]: PKCS12 trust store for https links
 *       (the simulator's self-signed certificate), with the secret {@code
 *       archiver.link-trust-store-password};
 *   <li>{@code s3.endpoint} [the SDK's]: endpoint override, for example s3proxy;
 *   <li>{@code s3.region} [{@code us-east-1}]; {@code s3.path-style} [false; true for s3proxy];
 *   <li>{@code s3.checksums} [{@code when-supported}]: {@code when-supported} (SDK default, CRC32
 *       trailers) or {@code when-required} for servers without flexible checksums;
 *   <li>{@code s3.part-size} [8MiB]: multipart part size and threshold;
 *   <li>secrets {@code s3.access-key-id} and {@code s3.secret-access-key} [the SDK's default
 *       credentials chain when absent].
 * </ul>
 *
 * @param kafka Kafka clients, schema registry and topics
 * @param accounts provider accounts, to refresh result links with the key that created the task
 * @param groupId consumer group id
 * @param instanceId this instance's id, its {@code group.instance.id}
 * @param transactionalId producer transactional id
 * @param archive what and where to archive
 * @param workers requests archived concurrently
 * @param shutdownGrace how long close waits for requests in flight
 * @param s3 S3 client settings
 * @param links which result links may be fetched
 * @param expiryMargin how long before its link's expiry a request's archive should start
 */
public record ArchiverConfig(
    KafkaSettings kafka,
    ProviderAccounts accounts,
    String groupId,
    String instanceId,
    String transactionalId,
    ArchiveSettings archive,
    int workers,
    Duration shutdownGrace,
    S3Settings s3,
    LinkSettings links,
    Duration expiryMargin) {

  /** Default consumer group id. */
  public static final String DEFAULT_GROUP_ID = "wan-pipeline-archiver";

  private static final long GIB = 1L << 30;

  public ArchiverConfig {
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(transactionalId, "transactionalId");
    Objects.requireNonNull(archive, "archive");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    Objects.requireNonNull(s3, "s3");
    Objects.requireNonNull(links, "links");
    Objects.requireNonNull(expiryMargin, "expiryMargin");
    if (workers < 1) {
      throw new ConfigException("archiver.workers: must be at least 1, got " + workers);
    }
  }

  /**
   * What one archive job does.
   *
   * @param bucket S3 bucket
   * @param keyPrefix first key segment
   * @param createBucket whether to create the bucket at start
   * @param maxVideoBytes largest video accepted
   * @param downloadTimeout limit of one attempt
   * @param connectTimeout HTTP connect timeout
   * @param taskDeadline limit of all attempts of one request
   * @param maxAttempts attempts per request
   * @param initialBackoff delay before the second attempt
   * @param maxBackoff largest delay between attempts
   * @param queryRateCap optional cap on the link queries per second per provider account this
   *     instance makes
   */
  public record ArchiveSettings(
      String bucket,
      String keyPrefix,
      boolean createBucket,
      long maxVideoBytes,
      Duration downloadTimeout,
      Duration connectTimeout,
      Duration taskDeadline,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      OptionalDouble queryRateCap) {
    public ArchiveSettings {
      Objects.requireNonNull(bucket, "bucket");
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      Objects.requireNonNull(downloadTimeout, "downloadTimeout");
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      Objects.requireNonNull(taskDeadline, "taskDeadline");
      Objects.requireNonNull(initialBackoff, "initialBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      Objects.requireNonNull(queryRateCap, "queryRateCap");
      if (queryRateCap.isPresent()
          && (!(queryRateCap.getAsDouble() > 0) || Double.isInfinite(queryRateCap.getAsDouble()))) {
        throw new ConfigException(
            "archiver.query-rate: must be positive, got " + queryRateCap.getAsDouble());
      }
    }
  }

  /**
   * Which result links may be fetched.
   *
   * @param hosts allowed host patterns
   * @param allowHttp whether plain http links are accepted
   * @param allowedAddresses address blocks exempt from the address rules
   * @param trustStore extra trust store for https links, or null
   */
  public record LinkSettings(
      List<String> hosts, boolean allowHttp, List<Cidr> allowedAddresses, TrustStore trustStore) {
    public LinkSettings {
      hosts = List.copyOf(hosts);
      allowedAddresses = List.copyOf(allowedAddresses);
    }
  }

  /** How S3 requests verify integrity. */
  public enum ChecksumMode {
    /** The SDK default: flexible checksums whenever the operation supports them. */
    WHEN_SUPPORTED,
    /** Only where the operation requires one; for servers without flexible checksums. */
    WHEN_REQUIRED
  }

  /**
   * S3 client settings.
   *
   * @param endpoint endpoint override, or null for the SDK's
   * @param region region name
   * @param pathStyle path-style addressing
   * @param checksums checksum mode
   * @param partSize multipart part size and threshold in bytes
   * @param accessKeyId static access key id, or null for the default credentials chain
   * @param secretAccessKey its secret, or null
   */
  public record S3Settings(
      URI endpoint,
      String region,
      boolean pathStyle,
      ChecksumMode checksums,
      long partSize,
      String accessKeyId,
      String secretAccessKey) {
    public S3Settings {
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(checksums, "checksums");
      if ((accessKeyId == null) != (secretAccessKey == null)) {
        throw new ConfigException("s3.access-key-id and s3.secret-access-key must be set together");
      }
    }

    @Override
    public String toString() {
      return "S3Settings[endpoint="
          + endpoint
          + ", region="
          + region
          + ", pathStyle="
          + pathStyle
          + ", checksums="
          + checksums
          + ", partSize="
          + partSize
          + ", accessKeyId="
          + (accessKeyId == null ? "(default chain)" : "***")
          + "]";
    }
  }

  /** Reads and validates the configuration; fails naming the offending key. */
  public static ArchiverConfig from(Settings s) {
    KafkaSettings kafka = KafkaSettings.from(s);
    String groupId = s.string("archiver.group-id", DEFAULT_GROUP_ID);
    long maxBytes = s.bytes("archiver.max-video-bytes", 4 * GIB);
    if (maxBytes < 1 || maxBytes > 5 * GIB) {
      throw new ConfigException(
          "archiver.max-video-bytes: must be between 1 byte and 5GiB (one CopyObject), got "
              + maxBytes);
    }
    int attempts = s.integer("archiver.max-attempts", 24);
    if (attempts < 1) {
      throw new ConfigException("archiver.max-attempts: must be at least 1, got " + attempts);
    }
    String keyPrefix = s.string("archiver.key-prefix", "videos");
    if (keyPrefix.startsWith("/") || keyPrefix.endsWith("/")) {
      throw new ConfigException("archiver.key-prefix: must not start or end with /");
    }
    ArchiveSettings archive =
        new ArchiveSettings(
            s.string("archiver.bucket"),
            keyPrefix,
            s.bool("archiver.create-bucket", false),
            maxBytes,
            positive(s, "archiver.download-timeout", Duration.ofMinutes(5)),
            positive(s, "archiver.connect-timeout", Duration.ofSeconds(10)),
            positive(s, "archiver.task-deadline", Duration.ofMinutes(10)),
            attempts,
            positive(s, "archiver.retry-initial-backoff", Duration.ofSeconds(1)),
            positive(s, "archiver.retry-max-backoff", Duration.ofSeconds(30)),
            queryRate(s));
    String checksums = s.string("s3.checksums", "when-supported").toLowerCase(Locale.ROOT);
    ChecksumMode mode =
        switch (checksums) {
          case "when-supported" -> ChecksumMode.WHEN_SUPPORTED;
          case "when-required" -> ChecksumMode.WHEN_REQUIRED;
          default ->
              throw new ConfigException(
                  "s3.checksums: expected when-supported or when-required, got " + checksums);
        };
    long partSize = s.bytes("s3.part-size", 8L << 20);
    if (partSize < (5L << 20)) {
      throw new ConfigException("s3.part-size: S3 parts are at least 5MiB, got " + partSize);
    }
    S3Settings s3 =
        new S3Settings(
            s.find("s3.endpoint").isPresent() ? s.uri("s3.endpoint") : null,
            s.string("s3.region", "us-east-1"),
            s.bool("s3.path-style", false),
            mode,
            partSize,
            s.secret("s3.access-key-id").orElse(null),
            s.secret("s3.secret-access-key").orElse(null));
    ProviderAccounts accounts;
    try {
      accounts = ProviderAccounts.parse(s::find, s::secret);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    String instanceId = s.string("archiver.instance-id", UUID.randomUUID().toString());
    return new ArchiverConfig(
        kafka,
        accounts,
        groupId,
        instanceId,
        s.string("archiver.transactional-id", groupId + "-" + instanceId),
        archive,
        s.integer("archiver.workers", 4),
        s.duration("archiver.shutdown-grace", Duration.ofSeconds(10)),
        s3,
        links(s),
        s.duration("archiver.expiry-margin", Duration.ofHours(1)));
  }

  private static OptionalDouble queryRate(Settings s) {
    Optional<String> value = s.find("archiver.query-rate");
    if (value.isEmpty()) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Double.parseDouble(value.get().strip()));
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "archiver.query-rate: expected a number, got '" + value.get() + "'", e);
    }
  }

  private static LinkSettings links(Settings s) {
    List<String> hosts =
        s.find("archiver.link-hosts")
            .map(ArchiverConfig::commaList)
            .orElse(LinkPolicy.DEFAULT_HOSTS);
    if (hosts.isEmpty()) {
      throw new ConfigException("archiver.link-hosts: at least one host pattern is needed");
    }
    boolean allowHttp = s.bool("archiver.link-allow-http", false);
    for (String h : hosts) {
      AllowedOrigin entry;
      try {
        entry = AllowedOrigin.parse(h);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(
            "archiver.link-hosts: expected [https://]host[:port] with a host, *.suffix or an IP"
                + " literal; "
                + e.getMessage(),
            e);
      }
      if ("http".equals(entry.scheme()) && !allowHttp) {
        throw new ConfigException(
            "archiver.link-hosts: "
                + h
                + " is an http origin, but archiver.link-allow-http is false");
      }
    }
    List<Cidr> allowed = new ArrayList<>();
    for (String c :
        s.find("archiver.link-allowed-addresses")
            .map(ArchiverConfig::commaList)
            .orElse(List.of())) {
      try {
        allowed.add(Cidr.parse(c));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("archiver.link-allowed-addresses: " + e.getMessage(), e);
      }
    }
    TrustStore trustStore = null;
    if (s.find("archiver.link-trust-store").isPresent()) {
      trustStore =
          new TrustStore(
              Path.of(s.string("archiver.link-trust-store")),
              s.secret("archiver.link-trust-store-password").orElse(""));
    }
    return new LinkSettings(hosts, allowHttp, allowed, trustStore);
  }

  private static List<String> commaList(String value) {
    return Arrays.stream(value.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
  }

  private static Duration positive(Settings s, String key, Duration defaultValue) {
    Duration d = s.duration(key, defaultValue);
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(key + ": must be positive, got " + d);
    }
    return d;
  }
}
