package io.wanpipeline.wan.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLHandshakeException;

/**
 * One blocking HTTP call to a provider, its transport failures sorted by the only question that
 * matters for a create call: could the request have reached the provider? Shared by the gateway
 * dialects; reasons never hold secrets.
 */
public final class ProviderExchange {

  /** What came of one call. */
  public sealed interface Result {}

  /**
   * The provider answered (any status).
   *
   * @param response the answer with its whole body
   */
  public record Answered(HttpResponse<byte[]> response) implements Result {}

  /**
   * No connection was made, so nothing was sent: a create call certainly created no task.
   *
   * @param reason what failed, without secrets
   */
  public record NotSent(String reason) implements Result {}

  /**
   * The request may have reached the provider but no answer came back.
   *
   * @param reason what failed, without secrets
   * @param timeout true when the per-attempt timeout ran out (as opposed to a broken connection)
   */
  public record NoAnswer(String reason, boolean timeout) implements Result {}

  private final HttpClient http;

  /** Sends through {@code http}. */
  public ProviderExchange(HttpClient http) {
    this.http = Objects.requireNonNull(http, "http");
  }

  /** An HTTP/1.1 client that never follows redirects, with the given connect timeout. */
  public static HttpClient defaultClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** Sends {@code request} and waits for the whole answer; never throws. */
  public Result send(HttpRequest request) {
    try {
      return new Answered(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    } catch (HttpConnectTimeoutException | ConnectException | SSLHandshakeException e) {
      return new NotSent(
          "could not connect to " + request.uri().getHost() + ": " + e.getClass().getSimpleName());
    } catch (HttpTimeoutException e) {
      return new NoAnswer(
          "no answer within "
              + request.timeout().map(Duration::toString).orElse("?")
              + " (timeout)",
          true);
    } catch (IOException e) {
      return new NoAnswer(
          "connection failed after sending: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " (" + SecretRedactor.redact(e.getMessage()) + ")"),
          false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new NoAnswer("interrupted while waiting for the answer", false);
    }
  }

  /** The answer's {@code Retry-After}, measured against {@code clock}; null when absent. */
  public static Duration retryAfter(HttpResponse<?> response, Clock clock) {
    return response
        .headers()
        .firstValue("Retry-After")
        .flatMap(v -> RetryAfter.parse(v, clock))
        .orElse(null);
  }
}
