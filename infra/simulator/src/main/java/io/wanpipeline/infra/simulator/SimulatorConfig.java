package io.wanpipeline.infra.simulator;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Typed, immutable configuration of a {@link WanSimulator}; build it with {@link #builder()}.
 *
 * @param host interface to bind; default {@code 127.0.0.1}
 * @param port TCP port; 0 (default) picks a free one
 * @param clock time source of task timing, timestamps, link expiry and the ledger; default UTC
 *     system clock
 * @param seed seed of the random that draws faults and task fates; default 42
 * @param apiKeys accepted keys (secret to account name); empty (default) accepts any non-empty key
 *     as account {@value #DEFAULT_ACCOUNT}
 * @param pendingTime least time a task stays PENDING; default 1 s
 * @param runningTime time a task stays RUNNING; default 5 s
 * @param runningTimes when not null, each task's RUNNING time is drawn around its class's mean
 *     instead ({@link RunningTimes}); default null
 * @param concurrencyCaps tasks in progress per (account, model) by model id, overriding the
 *     protocol's table (docs/protocol.md 1.9); models absent here use the table
 * @param defaultConcurrencyCap cap for models in neither map nor table; default 5
 * @param enforceRateLimits whether submit RPS per (account, model) and query QPS per account are
 *     enforced with 429 {@code Throttling.RateQuota}; default false
 * @param queryQpsPerAccount query, list and cancel calls per second per account when enforced;
 *     default 20
 * @param usageStyle field names of {@code usage}; default {@link UsageStyle#CURRENT}
 * @param failureRate share of tasks that end FAILED with {@code failureCode}; default 0
 * @param failureCode code of randomly failed tasks; default {@code InternalError.Algo}
 * @param neverFinishRate share of tasks that stay RUNNING forever; default 0
 * @param faults injected HTTP faults per route; routes absent here have none
 * @param retryAfter {@code Retry-After} sent with a 429, or null to send none; default 1 s
 * @param linkLifetime validity of a signed result link from the task's end; default 24 h
 * @param taskRetention how long a task stays queryable (from its end, or its creation while
 *     unfinished) before it answers UNKNOWN; default 24 h
 * @param bucket OSS bucket name in result links; default {@code dashscope-result-bj}
 * @param validateRequests whether create calls are validated against the model's rules; default
 *     true
 * @param httpsLinks whether result links are https, served by a second, TLS connector with a
 *     self-signed certificate made at start (see {@link WanSimulator#linkTrustStore()}); default
 *     false
 */
public record SimulatorConfig(
    String host,
    int port,
    Clock clock,
    long seed,
    Map<String, String> apiKeys,
    Duration pendingTime,
    Duration runningTime,
    RunningTimes runningTimes,
    Map<String, Integer> concurrencyCaps,
    int defaultConcurrencyCap,
    boolean enforceRateLimits,
    int queryQpsPerAccount,
    UsageStyle usageStyle,
    double failureRate,
    String failureCode,
    double neverFinishRate,
    Map<Route, Faults> faults,
    Duration retryAfter,
    Duration linkLifetime,
    Duration taskRetention,
    String bucket,
    boolean validateRequests,
    boolean httpsLinks) {

  /** Account name of every key when no keys are configured. */
  public static final String DEFAULT_ACCOUNT = "default";

  public SimulatorConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(usageStyle, "usageStyle");
    Objects.requireNonNull(failureCode, "failureCode");
    Objects.requireNonNull(bucket, "bucket");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be within 0..65535");
    }
    nonNegative(pendingTime, "pendingTime");
    nonNegative(runningTime, "runningTime");
    positive(linkLifetime, "linkLifetime");
    positive(taskRetention, "taskRetention");
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative");
    }
    if (defaultConcurrencyCap < 1 || queryQpsPerAccount < 1) {
      throw new IllegalArgumentException(
          "defaultConcurrencyCap and queryQpsPerAccount must be >= 1");
    }
    if (failureRate < 0 || neverFinishRate < 0 || failureRate + neverFinishRate > 1) {
      throw new IllegalArgumentException("failureRate + neverFinishRate must be within [0, 1]");
    }
    apiKeys = Map.copyOf(apiKeys);
    apiKeys.forEach(
        (k, v) -> {
          if (k.isBlank() || v.isBlank()) {
            throw new IllegalArgumentException("api keys and account names must not be blank");
          }
        });
    concurrencyCaps = Map.copyOf(concurrencyCaps);
    concurrencyCaps
        .values()
        .forEach(
            c -> {
              if (c < 1) {
                throw new IllegalArgumentException("concurrency caps must be >= 1");
              }
            });
    EnumMap<Route, Faults> f = new EnumMap<>(Route.class);
    f.putAll(faults);
    faults = java.util.Collections.unmodifiableMap(f);
  }

  /** A builder with the defaults documented on each component. */
  public static Builder builder() {
    return new Builder();
  }

  /** All defaults: random port, system clock, any key accepted. */
  public static SimulatorConfig defaults() {
    return builder().build();
  }

  /** The faults of {@code route}; {@link Faults#NONE} when none are configured. */
  public Faults faultsOf(Route route) {
    return faults.getOrDefault(route, Faults.NONE);
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.host = host;
    b.port = port;
    b.clock = clock;
    b.seed = seed;
    b.apiKeys.putAll(apiKeys);
    b.pendingTime = pendingTime;
    b.runningTime = runningTime;
    b.runningTimes = runningTimes;
    b.concurrencyCaps.putAll(concurrencyCaps);
    b.defaultConcurrencyCap = defaultConcurrencyCap;
    b.enforceRateLimits = enforceRateLimits;
    b.queryQpsPerAccount = queryQpsPerAccount;
    b.usageStyle = usageStyle;
    b.failureRate = failureRate;
    b.failureCode = failureCode;
    b.neverFinishRate = neverFinishRate;
    b.faults.putAll(faults);
    b.retryAfter = retryAfter;
    b.linkLifetime = linkLifetime;
    b.taskRetention = taskRetention;
    b.bucket = bucket;
    b.validateRequests = validateRequests;
    b.httpsLinks = httpsLinks;
    return b;
  }

  private static void nonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative");
    }
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /** Builder of {@link SimulatorConfig}. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 0;
    private Clock clock = Clock.systemUTC();
    private long seed = 42L;
    private final Map<String, String> apiKeys = new LinkedHashMap<>();
    private Duration pendingTime = Duration.ofSeconds(1);
    private Duration runningTime = Duration.ofSeconds(5);
    private RunningTimes runningTimes;
    private final Map<String, Integer> concurrencyCaps = new LinkedHashMap<>();
    private int defaultConcurrencyCap = 5;
    private boolean enforceRateLimits = false;
    private int queryQpsPerAccount = 20;
    private UsageStyle usageStyle = UsageStyle.CURRENT;
    private double failureRate = 0;
    private String failureCode = "InternalError.Algo";
    private double neverFinishRate = 0;
    private final Map<Route, Faults> faults = new EnumMap<>(Route.class);
    private Duration retryAfter = Duration.ofSeconds(1);
    private Duration linkLifetime = Duration.ofHours(24);
    private Duration taskRetention = Duration.ofHours(24);
    private String bucket = "dashscope-result-bj";
    private boolean validateRequests = true;
    private boolean httpsLinks = false;

    private Builder() {}

    /** See {@link SimulatorConfig#host()}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** See {@link SimulatorConfig#port()}. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** See {@link SimulatorConfig#clock()}. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** See {@link SimulatorConfig#seed()}. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Accepts {@code secret} as a key of {@code account}; see {@link SimulatorConfig#apiKeys()}.
     */
    public Builder apiKey(String secret, String account) {
      this.apiKeys.put(secret, account);
      return this;
    }

    /** See {@link SimulatorConfig#pendingTime()}. */
    public Builder pendingTime(Duration pendingTime) {
      this.pendingTime = pendingTime;
      return this;
    }

    /** See {@link SimulatorConfig#runningTime()}. */
    public Builder runningTime(Duration runningTime) {
      this.runningTime = runningTime;
      return this;
    }

    /** See {@link SimulatorConfig#runningTimes()}; null for the fixed {@link #runningTime}. */
    public Builder runningTimes(RunningTimes runningTimes) {
      this.runningTimes = runningTimes;
      return this;
    }

    /** Caps tasks in progress of {@code model} per account; see {@link #concurrencyCaps}. */
    public Builder concurrencyCap(String model, int cap) {
      this.concurrencyCaps.put(model, cap);
      return this;
    }

    /** See {@link SimulatorConfig#defaultConcurrencyCap()}. */
    public Builder defaultConcurrencyCap(int cap) {
      this.defaultConcurrencyCap = cap;
      return this;
    }

    /** See {@link SimulatorConfig#enforceRateLimits()}. */
    public Builder enforceRateLimits(boolean enforce) {
      this.enforceRateLimits = enforce;
      return this;
    }

    /** See {@link SimulatorConfig#queryQpsPerAccount()}. */
    public Builder queryQpsPerAccount(int qps) {
      this.queryQpsPerAccount = qps;
      return this;
    }

    /** See {@link SimulatorConfig#usageStyle()}. */
    public Builder usageStyle(UsageStyle usageStyle) {
      this.usageStyle = usageStyle;
      return this;
    }

    /** See {@link SimulatorConfig#failureRate()} and {@link SimulatorConfig#failureCode()}. */
    public Builder failureRate(double rate, String code) {
      this.failureRate = rate;
      this.failureCode = code;
      return this;
    }

    /** See {@link SimulatorConfig#neverFinishRate()}. */
    public Builder neverFinishRate(double rate) {
      this.neverFinishRate = rate;
      return this;
    }

    /** Injects {@code faults} on {@code route}; see {@link Faults}. */
    public Builder faults(Route route, Faults faults) {
      this.faults.put(route, faults);
      return this;
    }

    /** See {@link SimulatorConfig#retryAfter()}; null sends no header. */
    public Builder retryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
      return this;
    }

    /** See {@link SimulatorConfig#linkLifetime()}. */
    public Builder linkLifetime(Duration linkLifetime) {
      this.linkLifetime = linkLifetime;
      return this;
    }

    /** See {@link SimulatorConfig#taskRetention()}. */
    public Builder taskRetention(Duration taskRetention) {
      this.taskRetention = taskRetention;
      return this;
    }

    /** See {@link SimulatorConfig#bucket()}. */
    public Builder bucket(String bucket) {
      this.bucket = bucket;
      return this;
    }

    /** See {@link SimulatorConfig#validateRequests()}. */
    public Builder validateRequests(boolean validate) {
      this.validateRequests = validate;
      return this;
    }

    /** See {@link SimulatorConfig#httpsLinks()}. */
    public Builder httpsLinks(boolean https) {
      this.httpsLinks = https;
      return this;
    }

    /** Builds and validates the configuration. */
    public SimulatorConfig build() {
      return new SimulatorConfig(
          host,
          port,
          clock,
          seed,
          apiKeys,
          pendingTime,
          runningTime,
          runningTimes,
          concurrencyCaps,
          defaultConcurrencyCap,
          enforceRateLimits,
          queryQpsPerAccount,
          usageStyle,
          failureRate,
          failureCode,
          neverFinishRate,
          faults,
          retryAfter,
          linkLifetime,
          taskRetention,
          bucket,
          validateRequests,
          httpsLinks);
    }
  }
}
