package io.wanpipeline.wan.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP settings every provider client shares, as checked by {@link
 * HttpSettingsBuilder#settings}.
 *
 * @param baseUrl absolute http(s) URL without trailing slashes
 * @param requestTimeout per-attempt timeout from sending the request to the end of the answer
 * @param clock clock that an HTTP-date {@code Retry-After} is measured against
 * @param httpClient the client to send through (the supplied one or a default one)
 */
public record HttpSettings(
    URI baseUrl, Duration requestTimeout, Clock clock, HttpClient httpClient) {

  /** Checks that no component is null. */
  public HttpSettings {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(httpClient, "httpClient");
  }
}
