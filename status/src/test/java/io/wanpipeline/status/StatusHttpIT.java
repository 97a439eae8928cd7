package io.wanpipeline.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two status view instances of one application over a real broker: either answers for any request
 * (forwarding to the instance that holds it), and gathers account, batch and in-flight lists and
 * batch counts from both.
 */
class StatusHttpIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int REQUESTS = 24;

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withoutSimulator().partitions(4).named("status-http");

  @TempDir Path stateDir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<StatusService> services = new ArrayList<>();

  @AfterEach
  void tearDown() {
    services.forEach(StatusService::close);
  }

  @Test
  void eitherInstanceAnswersForEveryRequestAccountAndBatch(PipelineEnv env) throws Exception {
    StatusService a = start(env, "a");
    StatusService b = start(env, "b");
    Map<String, TaskState> expected = new HashMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      String id = "req-" + i;
      String account = i % 2 == 0 ? "acme" : "globex";
      Map<String, String> metadata =
          i < 10 ? Map.of("batch_id", "nightly", "custom_id", "line-" + i) : Map.of();
      send(env, TaskStatuses.submitted(id, "task-" + i), account, metadata, 0);
      // Every third request ends archived, the others stay running.
      send(env, TaskStatuses.of(id, TaskState.RUNNING), account, metadata, 10);
      expected.put(id, TaskState.RUNNING);
      if (i % 3 == 0) {
        send(env, TaskStatuses.succeeded(id), account, metadata, 20);
        send(env, TaskStatuses.of(id, TaskState.ARCHIVED), account, metadata, 30);
        expected.put(id, TaskState.ARCHIVED);
      }
    }

    // Billing's charge of the archived request 3.
    env.send(env.topics().billingCharges(), "req-3", charge("req-3", 500_000));

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(
                      get(a, "/status/requests/req-3").path("cost").path("amount_micros").asLong())
                  .isEqualTo(500_000);
              assertThat(a.state()).isEqualTo(KafkaStreams.State.RUNNING);
              assertThat(b.state()).isEqualTo(KafkaStreams.State.RUNNING);
              for (StatusService s : List.of(a, b)) {
                assertThat(ids(get(s, "/status/requests?account=acme&limit=1000")))
                    .hasSize(REQUESTS / 2);
                assertThat(ids(get(s, "/status/requests?account=globex&limit=1000")))
                    .hasSize(REQUESTS / 2);
              }
            });

    for (StatusService s : List.of(a, b)) {
      for (Map.Entry<String, TaskState> e : expected.entrySet()) {
        JsonNode request = get(s, "/status/requests/" + e.getKey());
        assertThat(request.path("state").asText()).as(e.getKey()).isEqualTo(e.getValue().name());
      }
      JsonNode archived = get(s, "/status/requests/req-3");
      assertThat(archived.path("transitions"))
          .extracting(t -> t.path("state").asText())
          .containsExactly("SUBMITTED", "RUNNING", "SUCCEEDED", "ARCHIVED");
      assertThat(archived.path("batch_id").asText()).isEqualTo("nightly");
      assertThat(archived.path("custom_id").asText()).isEqualTo("line-3");
      assertThat(archived.has("api_key_ref")).as("no key reference in the view").isFalse();

      Set<String> inFlight = ids(get(s, "/status/requests?in_flight=true&limit=1000"));
      assertThat(inFlight)
          .containsExactlyInAnyOrderElementsOf(
              expected.entrySet().stream()
                  .filter(e -> e.getValue() == TaskState.RUNNING)
                  .map(Map.Entry::getKey)
                  .toList());
      assertThat(ids(get(s, "/status/requests?account=acme&in_flight=true&limit=1000")))
          .allMatch(id -> Integer.parseInt(id.substring(4)) % 2 == 0)
          .allMatch(inFlight::contains);
      assertThat(ids(get(s, "/status/requests?batch=nightly&limit=1000"))).hasSize(10);

      JsonNode batches = get(s, "/status/batches").path("batches");
      assertThat(batches).hasSize(1);
      assertThat(batches.get(0).path("batch_id").asText()).isEqualTo("nightly");
      assertThat(batches.get(0).path("total").asLong()).isEqualTo(10);

      JsonNode batch = get(s, "/status/batches/nightly");
      assertThat(batch.path("total").asLong()).isEqualTo(10);
      // Requests 0, 3, 6, 9 of the batch are archived.
      assertThat(batch.path("counts").path("ARCHIVED").asLong()).isEqualTo(4);
      assertThat(batch.path("counts").path("RUNNING").asLong()).isEqualTo(6);

      // The batch's requests page by page, in request_id order, from both instances.
      List<String> paged = new ArrayList<>();
      String after = null;
      int pages = 0;
      do {
        JsonNode page =
            get(
                s,
                "/status/batches/nightly/requests?limit=3"
                    + (after == null ? "" : "&after=" + after));
        page.path("requests").forEach(r -> paged.add(r.path("request_id").asText()));
        after = page.path("next_after").isNull() ? null : page.path("next_after").asText();
        pages++;
      } while (after != null && pages < 10);
      assertThat(paged)
          .isSorted()
          .containsExactlyInAnyOrder(
              "req-0", "req-1", "req-2", "req-3", "req-4", "req-5", "req-6", "req-7", "req-8",
              "req-9");
      assertThat(pages).isBetween(4, 5);
      assertThat(archived.path("cost").path("currency").asText()).isEqualTo("CNY");

      JsonNode limited = get(s, "/status/requests?account=acme&limit=2");
      assertThat(limited.path("requests")).hasSize(2);
      assertThat(limited.path("truncated").asBoolean()).isTrue();
    }

    assertThat(call(a, "/status/requests/never-seen").statusCode()).isEqualTo(404);
    assertThat(call(a, "/status/requests").statusCode()).as("no criterion").isEqualTo(400);
    assertThat(call(a, "/status/requests?account=a%7Cb").statusCode()).isEqualTo(400);
    assertThat(call(a, "/status/requests?account=acme&limit=0").statusCode()).isEqualTo(400);
    assertThat(call(a, "/status/nothing").statusCode()).isEqualTo(404);
  }

  private StatusService start(PipelineEnv env, String name) {
    Map<String, String> values = env.settings(PipelineEnv.Service.STATUS);
    values.put("status.state-dir", stateDir.resolve(name).toString());
    values.put("status.http.port", "0");
    values.put("status.http.host", "127.0.0.1");
    StatusService service = StatusMain.create(Settings.of(values), Clock.systemUTC());
    services.add(service);
    service.start();
    return service;
  }

  private static void send(
      PipelineEnv env,
      TaskStatus.Builder event,
      String account,
      Map<String, String> metadata,
      long second) {
    TaskStatus status =
        event
            .setAccountId(account)
            .setMetadata(metadata)
            .setEventTime(TaskStatuses.T0.plusSeconds(second))
            .build();
    env.send(env.topics().taskStatus(), status.getRequestId(), status);
  }

  private static Charge charge(String requestId, long micros) {
    return Charge.newBuilder()
        .setRequestId(requestId)
        .setAccountId("acme")
        .setProviderAccount("default")
        .setModel(TaskStatuses.MODEL)
        .setTaskId("task-" + requestId)
        .setTier("480P")
        .setAudio(false)
        .setBillableMillis(5_000)
        .setUnitPriceMicros(micros / 5)
        .setAmountMicros(micros)
        .setCurrency("CNY")
        .setPriceEffectiveFrom(java.time.Instant.EPOCH)
        .setCompletedAt(TaskStatuses.T0)
        .setDay("2026-03-01")
        .build();
  }

  private static Set<String> ids(JsonNode answer) {
    Set<String> ids = new TreeSet<>();
    answer.path("requests").forEach(r -> ids.add(r.path("request_id").asText()));
    return ids;
  }

  private JsonNode get(StatusService s, String path) throws Exception {
    HttpResponse<String> response = call(s, path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> call(StatusService s, String path) throws Exception {
    URI uri = s.httpUrl().resolve(path);
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
