package io.wanpipeline.infra.testing;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wanpipeline.runtime.management.ManagementServer;
import io.wanpipeline.runtime.management.ManagementSettings;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A service's management endpoints served on a free loopback port, as its main serves them ({@link
 * ManagementServer}), and an HTTP client of them: for a test that asks {@code /healthz}, {@code
 * /readyz} and {@code /metrics} of a service it built. Close it after the service.
 */
public final class ManagementProbe implements AutoCloseable {
  /** A status code and body. */
  public record Answer(int status, String body) {}

  private final ManagementServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final URI base;

  private ManagementProbe(ManagementServer server) {
    this.server = server;
    this.base = URI.create("http://127.0.0.1:" + server.port());
  }

  /** Serves {@code service}'s endpoints, publishing its meters; before or after its start. */
  public static ManagementProbe of(String name, PipelineService service) {
    PrometheusMeterRegistry metrics = ServiceMeters.prometheus();
    service.meters().add(metrics);
    return new ManagementProbe(
        ManagementServer.start(name, new ManagementSettings("127.0.0.1", 0), service, metrics)
            .orElseThrow());
  }

  /** {@code GET /healthz}. */
  public Answer health() {
    return get("/healthz");
  }

  /** {@code GET /readyz}. */
  public Answer readiness() {
    return get("/readyz");
  }

  /** {@code GET /metrics}. */
  public Answer metrics() {
    return get("/metrics");
  }

  private Answer get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: GET " + path, e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
