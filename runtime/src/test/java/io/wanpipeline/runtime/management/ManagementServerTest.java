package io.wanpipeline.runtime.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.PipelineService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The management endpoints over real HTTP, for a service healthy, not ready and dead. */
class ManagementServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private final FakeService service = new FakeService();
  private ManagementServer server;
  private URI base;

  @BeforeEach
  void start() {
    PrometheusMeterRegistry metrics = ServiceMeters.prometheus();
    service.meters().add(metrics);
    server =
        ManagementServer.start("fake", new ManagementSettings("127.0.0.1", 0), service, metrics)
            .orElseThrow();
    base = URI.create("http://127.0.0.1:" + server.port());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aWorkingReadyServiceIsUpAndReady() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(json(get("/healthz")).path("status").asText()).isEqualTo("UP");
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    assertThat(json(get("/readyz")).path("status").asText()).isEqualTo("READY");
  }

  @Test
  void aServiceWaitingForItsGroupIsAliveButNotReadyAndSaysWhy() throws Exception {
    service.readiness.set(
        Readiness.waitingFor("intake: joining its consumer group")
            .and(Readiness.waitingFor("intake: schema registry unavailable")));

    assertThat(get("/healthz").statusCode()).as("alive").isEqualTo(200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonNode body = json(ready);
    assertThat(body.path("status").asText()).isEqualTo("NOT_READY");
    assertThat(body.path("waiting_for"))
        .extracting(JsonNode::asText)
        .containsExactly(
            "intake: joining its consumer group", "intake: schema registry unavailable");
  }

  @Test
  void aDeadServiceIsDownAndNotReadyWithTheCause() throws Exception {
    service.failure.set(new IllegalStateException("loop intake stopped: fenced"));

    HttpResponse<String> health = get("/healthz");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(json(health).path("status").asText()).isEqualTo("DOWN");
    assertThat(json(health).path("reason").asText())
        .isEqualTo("IllegalStateException: loop intake stopped: fenced");
    assertThat(get("/readyz").statusCode()).as("a dead service is not ready").isEqualTo(503);
  }

  @Test
  void aServiceThatCannotAnswerIsDown() throws Exception {
    service.failure.set(null);
    service.failureThrows = true;

    assertThat(get("/healthz").statusCode()).isEqualTo(503);
  }

  @Test
  void metricsAreThePrometheusTextOfTheServiceAndTheJvm() throws Exception {
    service.meters().counter("wan.fake.calls", "account", "acme").increment(3);

    HttpResponse<String> metrics = get("/metrics");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(metrics.body())
        .contains("# TYPE wan_fake_calls_total counter")
        .contains("wan_fake_calls_total{account=\"acme\",service=\"fake\"} 3.0")
        .contains("jvm_threads_live_threads");
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/healthz/extra").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(base.resolve("/healthz"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void settingsDecideThePortAndMinusOneServesNothing() {
    assertThat(ManagementSettings.from(Settings.of(Map.of())))
        .isEqualTo(new ManagementSettings("0.0.0.0", ManagementSettings.DEFAULT_PORT));
    ManagementSettings off = ManagementSettings.from(Settings.of(Map.of("management.port", "-1")));
    assertThat(off.enabled()).isFalse();
    assertThat(ManagementServer.start("off", off, service, ServiceMeters.prometheus()).isPresent())
        .isFalse();
    assertThatThrownBy(
            () -> ManagementSettings.from(Settings.of(Map.of("management.port", "70000"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("management.port");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private static final class FakeService implements PipelineService {
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final AtomicReference<Readiness> readiness = new AtomicReference<>(Readiness.READY);
    final CompositeMeterRegistry meters = ServiceMeters.forService("fake");
    volatile boolean failureThrows;

    @Override
    public void start() {}

    @Override
    public Optional<Throwable> failure() {
      if (failureThrows) {
        throw new IllegalStateException("cannot tell");
      }
      return Optional.ofNullable(failure.get());
    }

    @Override
    public Readiness readiness() {
      return readiness.get();
    }

    @Override
    public CompositeMeterRegistry meters() {
      return meters;
    }

    @Override
    public void close() {}
  }
}
