package io.wanpipeline.wan.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The options every provider client's builder takes (base URL, timeouts, clock, HttpClient), shared
 * so that each client's builder adds only its dialect's own options.
 *
 * @param <B> the client's builder, returned by every setter for chaining
 */
public abstract class HttpSettingsBuilder<B extends HttpSettingsBuilder<B>> {
  private URI baseUrl;
  private Duration connectTimeout = Duration.ofSeconds(5);
  private Duration requestTimeout = Duration.ofSeconds(30);
  private Clock clock = Clock.systemUTC();
  private HttpClient httpClient;

  /** For the clients' builders only. */
  protected HttpSettingsBuilder() {}

  /** This builder as its own type. */
  protected abstract B self();

  /** The provider's base URL; the dialect's paths are appended to it. Required. */
  public B baseUrl(URI baseUrl) {
    this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    return self();
  }

  /** Same as {@link #baseUrl(URI)}. */
  public B baseUrl(String baseUrl) {
    return baseUrl(URI.create(Objects.requireNonNull(baseUrl, "baseUrl")));
  }

  /** Per-attempt connect timeout; default 5 s. Ignored when an HttpClient is supplied. */
  public B connectTimeout(Duration connectTimeout) {
    this.connectTimeout = positive(connectTimeout, "connectTimeout");
    return self();
  }

  /** Per-attempt timeout from sending the request to the end of the answer; default 30 s. */
  public B requestTimeout(Duration requestTimeout) {
    this.requestTimeout = positive(requestTimeout, "requestTimeout");
    return self();
  }

  /** Clock that an HTTP-date {@code Retry-After} is measured against; default UTC system. */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /** A shared HttpClient (for example with a bounded executor); default one per client. */
  public B httpClient(HttpClient httpClient) {
    this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
    return self();
  }

  /**
   * The checked settings, with the base URL's trailing slashes stripped and, unless one was
   * supplied, a new {@link ProviderExchange#defaultClient} HttpClient.
   *
   * @throws IllegalStateException when the base URL is missing or not absolute http(s)
   */
  protected HttpSettings settings() {
    if (baseUrl == null) {
      throw new IllegalStateException("baseUrl is required");
    }
    String scheme = baseUrl.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || baseUrl.getHost() == null) {
      throw new IllegalStateException("baseUrl must be an absolute http(s) URL");
    }
    String base = baseUrl.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return new HttpSettings(
        URI.create(base),
        requestTimeout,
        clock,
        httpClient != null ? httpClient : ProviderExchange.defaultClient(connectTimeout));
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
    return d;
  }
}
