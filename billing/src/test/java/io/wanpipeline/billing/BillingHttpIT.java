package io.wanpipeline.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two billing instances of one application over a real broker: the totals endpoint of either
 * answers the whole account, gathered from both (interactive queries), and equals the sum of the
 * charges; the estimate endpoint prices requests from the seeded prices.
 */
class BillingHttpIT {
  private static final LocalDate FIRST_DAY = LocalDate.parse("2026-03-01");
  private static final int DAYS = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withoutSimulator().partitions(4).named("billing-http");

  @TempDir Path stateDir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<BillingService> services = new ArrayList<>();
  private PipelineEnv env;

  @BeforeEach
  void setUp(PipelineEnv env) {
    this.env = env;
  }

  @AfterEach
  void tearDown() {
    services.forEach(BillingService::close);
  }

  @Test
  void totalsAreAnsweredWholeFromEitherInstance() throws Exception {
    BillingService a = start("a");
    BillingService b = start("b");
    long expectedMicros = 0;
    long expectedMillis = 0;
    for (int i = 0; i < DAYS * 2; i++) {
      long millis = 1_000 + 17L * i;
      Instant end = FIRST_DAY.plusDays(i % DAYS).atTime(9, 0).toInstant(java.time.ZoneOffset.UTC);
      send(succeeded("r" + i, "acme", millis, end));
      // wan2.2-i2v-flash 480P is CNY 0.10 per second in the bundled price file.
      expectedMicros += millis * 100;
      expectedMillis += millis;
    }
    send(
        succeeded(
            "other", "globex", 5_000, FIRST_DAY.atTime(9, 0).toInstant(java.time.ZoneOffset.UTC)));
    String query =
        "/billing/totals?account=acme&from=" + FIRST_DAY + "&to=" + FIRST_DAY.plusDays(DAYS - 1);

    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(a.state()).isEqualTo(KafkaStreams.State.RUNNING);
              assertThat(b.state()).isEqualTo(KafkaStreams.State.RUNNING);
              assertThat(taskCount(get(a, query))).isEqualTo(DAYS * 2);
              assertThat(taskCount(get(b, query))).isEqualTo(DAYS * 2);
            });

    JsonNode fromA = get(a, query);
    JsonNode fromB = get(b, query);
    assertThat(fromA).isEqualTo(fromB);
    assertThat(fromA.path("totals")).hasSize(DAYS);
    assertThat(fromA.path("amount_micros_by_currency").path("CNY").asLong())
        .isEqualTo(expectedMicros);
    long millis = 0;
    for (JsonNode t : fromA.path("totals")) {
      assertThat(t.path("account_id").asText()).isEqualTo("acme");
      assertThat(t.path("models").path("wan2.2-i2v-flash").path("task_count").asLong())
          .isEqualTo(2);
      millis += t.path("billable_millis").asLong();
    }
    assertThat(millis).isEqualTo(expectedMillis);

    String local = query.replace("/billing/totals?", "/billing/totals/local?");
    JsonNode localA = get(a, local);
    JsonNode localB = get(b, local);
    assertThat(localA.path("totals").size())
        .as("each instance holds only a part")
        .isPositive()
        .isLessThan(DAYS);
    assertThat(localA.path("totals").size() + localB.path("totals").size()).isEqualTo(DAYS);
  }

  @Test
  void badQueriesAreRefusedClearly() throws Exception {
    BillingService a = start("a");
    await().atMost(Duration.ofSeconds(60)).until(() -> a.state() == KafkaStreams.State.RUNNING);
    for (String q :
        List.of(
            "/billing/totals?from=2026-03-01&to=2026-03-02",
            "/billing/totals?account=acme&from=2026-3-1&to=2026-03-02",
            "/billing/totals?account=acme&from=2026-03-02&to=2026-03-01",
            "/billing/totals?account=acme&from=2020-01-01&to=2026-03-01")) {
      HttpResponse<String> r = call(a, HttpRequest.newBuilder(a.httpUrl().resolve(q)).GET());
      assertThat(r.statusCode()).as(q).isEqualTo(400);
      assertThat(JSON.readTree(r.body()).path("error").asText()).as(q).isNotBlank();
    }
    HttpResponse<String> notJson =
        call(
            a,
            HttpRequest.newBuilder(a.httpUrl().resolve("/billing/estimate"))
                .POST(HttpRequest.BodyPublishers.ofString("not json")));
    assertThat(notJson.statusCode()).isEqualTo(400);
  }

  @Test
  void estimatesRequestsFromTheSeededPrices() throws Exception {
    BillingService a = start("a");
    String body =
        "[{\"request_id\":\"e1\",\"model\":\"wan2.2-i2v-flash\","
            + "\"parameters\":{\"resolution\":\"720P\",\"duration\":5}},"
            + "{\"request_id\":\"e2\",\"model\":\"wan2.2-s2v\",\"parameters\":{}},"
            + "{\"request_id\":\"e3\",\"model\":\"happyhorse-1.0-t2v\","
            + "\"parameters\":{\"resolution\":\"1080P\",\"duration\":5}}]";
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              HttpResponse<String> r =
                  call(
                      a,
                      HttpRequest.newBuilder(a.httpUrl().resolve("/billing/estimate"))
                          .POST(HttpRequest.BodyPublishers.ofString(body)));
              assertThat(r.statusCode()).isEqualTo(200);
              JsonNode json = JSON.readTree(r.body());
              JsonNode e = json.path("estimates");
              assertThat(e.get(0).path("amount_micros").asLong()).isEqualTo(1_000_000);
              assertThat(e.get(0).path("exact").asBoolean()).isTrue();
              assertThat(e.get(1).path("exact").asBoolean()).isFalse();
              assertThat(e.get(1).path("amount_micros").asLong()).isEqualTo(15_000_000);
              assertThat(e.get(2).path("priced").asBoolean()).isFalse();
              assertThat(json.path("amount_micros_by_currency").path("CNY").asLong())
                  .isEqualTo(16_000_000);
              assertThat(json.path("unpriced_count").asInt()).isEqualTo(1);
            });
  }

  private static long taskCount(JsonNode answer) {
    long n = 0;
    for (JsonNode t : answer.path("totals")) {
      n += t.path("task_count").asLong();
    }
    return n;
  }

  private JsonNode get(BillingService s, String pathAndQuery) throws Exception {
    HttpResponse<String> r =
        call(s, HttpRequest.newBuilder(s.httpUrl().resolve(pathAndQuery)).GET());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> call(BillingService s, HttpRequest.Builder request)
      throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private BillingService start(String name) {
    Map<String, String> values = env.settings(PipelineEnv.Service.BILLING);
    values.put("billing.state-dir", stateDir.resolve(name).toString());
    values.put("billing.http.port", "0");
    values.put("billing.http.host", "127.0.0.1");
    BillingService service =
        new BillingService(
            BillingConfig.from(Settings.of(values)), Clock.systemUTC(), env.topics());
    services.add(service);
    service.start();
    return service;
  }

  private void send(TaskStatus status) {
    env.send(env.topics().taskStatus(), status.getRequestId(), status);
  }

  private static TaskStatus succeeded(String requestId, String account, long millis, Instant end) {
    return TaskStatuses.succeeded(requestId)
        .setAccountId(account)
        .setProviderAccount("cn-main")
        .setApiKeyRef("cn-main#0")
        .setProviderEndTime(end)
        .setEventTime(end.plusSeconds(4))
        .setUsage(TaskStatuses.usage(millis, "480P"))
        .build();
  }
}
