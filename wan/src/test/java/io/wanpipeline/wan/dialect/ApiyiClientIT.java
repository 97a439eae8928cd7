package io.wanpipeline.wan.dialect;

import static io.wanpipeline.wan.testing.Outcomes.accepted;
import static io.wanpipeline.wan.testing.Outcomes.answered;
import static io.wanpipeline.wan.testing.Outcomes.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.MediaItem;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.dialect.apiyi.ApiyiClient;
import io.wanpipeline.wan.dialect.newapi.NewApiErrors;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import io.wanpipeline.wan.testing.GenerationRequests;
import io.wanpipeline.wan.testing.SimulatedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our APIYI client against the simulator's APIYI front end (seed 002), through every outcome it has
 * to classify.
 */
class ApiyiClientIT {

  private static final ApiKey KEY = new ApiKey("apiyi#0", "sk-apiyi-it-main");
  private static final ApiKey OTHER_ACCOUNT_KEY = new ApiKey("apiyi-other#0", "sk-apiyi-it-other");
  private static final String CREATE_PATH =
      "/wan/api/v1/services/aigc/video-generation/video-synthesis";

  private static final HttpClient plain = HttpClient.newHttpClient();
  private static final ObjectMapper mapper = new ObjectMapper();
  private static WanSimulator sim;
  private static ApiyiClient client;

  @BeforeAll
  static void start() {
    sim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .apiKey(KEY.secret(), "acct-main")
                .apiKey(OTHER_ACCOUNT_KEY.secret(), "acct-other")
                .pendingTime(Duration.ofMillis(150))
                .runningTime(Duration.ofMillis(300))
                .retryAfter(Duration.ofSeconds(2))
                .build());
    client = clientFor(sim);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static ApiyiClient clientFor(WanSimulator s) {
    return ApiyiClient.create(
        DashScopeClient.builder()
            .baseUrl(s.baseUrl())
            .connectTimeout(Duration.ofSeconds(2))
            .requestTimeout(Duration.ofSeconds(5)));
  }

  /** wan2.7-i2v in the media form: a first frame and a driving audio. */
  static GenerationRequest wan27I2v(String prompt, List<MediaItem> media) {
    return GenerationRequestBuilder.model("wan2.7-i2v")
        .prompt(prompt)
        .media(media)
        .resolution("720P")
        .duration(5)
        .promptExtend(false)
        .build();
  }

  static List<MediaItem> frameAndAudio() {
    return List.of(
        new MediaItem("first_frame", "https://example.com/face.png", null, null),
        new MediaItem("driving_audio", "https://example.com/rap.mp3", null, null));
  }

  @Test
  void wan27MediaRequestSucceedsWithOneCallPerQueryNoUsageAndDownloadsWithoutAuthorization()
      throws Exception {
    SubmitOutcome.Accepted accepted =
        accepted(client.submit(KEY, wan27I2v("she raps", frameAndAudio()), "ay-life-1"));
    assertThat(accepted.status()).isEqualTo(ProviderStatus.PENDING);
    assertThat(sim.ledger().submissions("ay-life-1"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.path()).isEqualTo(CREATE_PATH);
              assertThat(s.model()).isEqualTo("wan2.7-i2v");
              assertThat(s.httpStatus()).isEqualTo(200);
              assertThat(s.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret()));
            });

    AtomicInteger queries = new AtomicInteger();
    TaskSnapshot done = awaitTerminal(client, accepted.taskId(), queries);

    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(sim.ledger().polls(accepted.taskId()))
        .as("exactly one call per query(), none to /wan/api/v1/tasks/{id} for usage")
        .hasSize(queries.get())
        .allSatisfy(p -> assertThat(p.httpStatus()).isEqualTo(200));
    assertThat(done.usage())
        .as("the normalized task carries none; APIYI bills tier x requested duration")
        .isNull();
    assertThat(done.submitTime())
        .as("the normalized task's times are epoch seconds")
        .isNotNull()
        .isBeforeOrEqualTo(done.scheduledTime());
    assertThat(done.scheduledTime()).isBeforeOrEqualTo(done.endTime());
    assertThat(done.endTime().getNano()).isZero();
    assertThat(done.errorCode()).isNull();

    JsonNode normalized = getJson("/v1/tasks/" + accepted.taskId());
    assertThat(normalized.get("status").asText()).isEqualTo("completed");
    assertThat(normalized.get("progress").asInt()).isEqualTo(100);
    assertThat(normalized.has("usage")).as("the normalized task carries no usage").isFalse();
    assertThat(normalized.get("result_url").asText())
        .as("the link is the normalized result_url, the raw OSS signed link")
        .startsWith(done.videoUrl().redacted())
        .contains("Signature=");

    HttpResponse<byte[]> video =
        plain.send(
            HttpRequest.newBuilder(done.videoUrl().uri()).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(video.statusCode()).isEqualTo(200);
    assertThat(sim.videoSha256(accepted.taskId())).contains(SimulatedProvider.sha256(video.body()));
    assertThat(sim.ledger().task(accepted.taskId()))
        .hasValueSatisfying(
            t -> {
              assertThat(t.state()).isEqualTo("SUCCEEDED");
              assertThat(t.tier()).isEqualTo("720P");
              assertThat(t.usageMillis()).isEqualTo(5_000);
              assertThat(t.endpointPath()).isEqualTo(CREATE_PATH);
            });
    assertThat(sim.ledger().polls(accepted.taskId()))
        .allSatisfy(p -> assertThat(p.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret())));

    JsonNode nativeShaped = getJson("/wan/api/v1/tasks/" + accepted.taskId());
    assertThat(nativeShaped.at("/output/task_status").asText())
        .as("the native-shaped route stays served for other clients")
        .isEqualTo("SUCCEEDED");
    assertThat(nativeShaped.path("usage").isObject()).isTrue();
  }

  @Test
  void happyHorseSharesTheEndpointAndTheMediaForm() {
    GenerationRequest happyHorse =
        GenerationRequestBuilder.model("happyhorse-1.0-i2v")
            .prompt("a horse turns its head")
            .media("first_frame", "https://example.com/horse.png")
            .build();
    String taskId = accept(client.submit(KEY, happyHorse, "ay-horse-1"));

    TaskSnapshot done = awaitTerminal(client, taskId);

    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.usage()).isNull();
    assertThat(sim.ledger().task(taskId))
        .hasValueSatisfying(
            t -> assertThat(t.tier()).as("HappyHorse defaults to 1080P").isEqualTo("1080P"));
    assertThat(sim.ledger().submissions("ay-horse-1"))
        .singleElement()
        .satisfies(s -> assertThat(s.path()).isEqualTo(CREATE_PATH));
    WanError withoutFrame =
        refused(
            client.submit(
                KEY, GenerationRequestBuilder.model(happyHorse.model()).build(), "ay-horse-2"));
    assertThat(withoutFrame.message()).contains("Field required: input.media");
  }

  @Test
  void statusWordsAndProgressFollowTheLifecycle() throws Exception {
    AdjustableClock clock = new AdjustableClock(Instant.parse("2026-03-01T02:00:00Z"));
    try (WanSimulator timed =
        WanSimulator.start(
            SimulatorConfig.builder()
                .clock(clock)
                .pendingTime(Duration.ofSeconds(1))
                .runningTime(Duration.ofSeconds(30))
                .build())) {
      ApiyiClient c = clientFor(timed);
      String taskId = accept(c.submit(KEY, wan27I2v("steps", frameAndAudio()), "ay-words-1"));

      JsonNode submitted = getJson(timed, "/v1/tasks/" + taskId);
      assertThat(submitted.get("status").asText()).isEqualTo("submitted");
      assertThat(submitted.get("progress").asInt()).isZero();
      assertThat(snapshot(c, KEY, taskId).status()).isEqualTo(ProviderStatus.PENDING);

      clock.advance(Duration.ofSeconds(2));
      JsonNode running = getJson(timed, "/v1/tasks/" + taskId);
      assertThat(running.get("status").asText()).isEqualTo("in_progress");
      assertThat(running.get("progress").asInt()).as("stalls at 30").isEqualTo(30);
      TaskSnapshot r = snapshot(c, KEY, taskId);
      assertThat(r.status()).isEqualTo(ProviderStatus.RUNNING);
      assertThat(r.submitTime()).isEqualTo(Instant.parse("2026-03-01T02:00:00Z"));
      assertThat(r.scheduledTime()).isEqualTo(Instant.parse("2026-03-01T02:00:01Z"));

      clock.advance(Duration.ofSeconds(30));
      int pollsBefore = timed.ledger().polls(taskId).size();
      TaskSnapshot done = snapshot(c, KEY, taskId);
      assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
      assertThat(done.endTime()).isEqualTo(Instant.parse("2026-03-01T02:00:31Z"));
      assertThat(done.usage()).isNull();
      assertThat(timed.ledger().polls(taskId))
          .as("the completed answer is the only call: no native-shaped fetch for usage")
          .hasSize(pollsBefore + 1)
          .last()
          .satisfies(p -> assertThat(p.status()).isEqualTo("SUCCEEDED"));

      clock.advance(Duration.ofHours(25));
      JsonNode forgotten = getJson(timed, "/v1/tasks/" + taskId);
      assertThat(forgotten.get("status").asText()).isEqualTo("unknown");
      assertThat(snapshot(c, KEY, taskId).status()).isEqualTo(ProviderStatus.UNKNOWN);
    }
  }

  @Test
  void failedTaskCarriesTheBracketedUpstreamCodeAndIsClassified() throws Exception {
    String transientFailure =
        accept(
            client.submit(
                KEY, wan27I2v("[sim:fail=InvalidImageUrl] x", frameAndAudio()), "ay-fail-1"));
    String permanent =
        accept(
            client.submit(
                KEY, wan27I2v("[sim:fail=DataInspectionFailed] x", frameAndAudio()), "ay-fail-2"));

    TaskSnapshot a = awaitTerminal(client, transientFailure);
    TaskSnapshot b = awaitTerminal(client, permanent);

    JsonNode raw = getJson("/v1/tasks/" + transientFailure);
    assertThat(raw.get("status").asText()).isEqualTo("failed");
    assertThat(raw.get("error").get("message").asText()).startsWith("[InvalidImageUrl] ");
    assertThat(raw.get("fail_reason").asText()).startsWith("[InvalidImageUrl] ");
    assertThat(a.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(a.errorCode()).isEqualTo("InvalidImageUrl");
    assertThat(a.errorMessage()).doesNotStartWith("[").isNotBlank();
    assertThat(a.usage()).isNull();
    assertThat(a.videoUrl()).isNull();
    assertThat(DashScopeErrorClassifier.taskFailure(a))
        .as("APIYI: an [InvalidImageUrl] failure may be transient")
        .hasValueSatisfying(e -> assertThat(e.retryable()).isTrue());
    assertThat(b.errorCode()).isEqualTo("DataInspectionFailed");
    assertThat(DashScopeErrorClassifier.taskFailure(b))
        .hasValueSatisfying(
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.stage()).isEqualTo(WanError.Stage.EXECUTION);
            });
  }

  @Test
  void wan27WithoutMediaIsRefusedAsTheUpstreamDoes() throws Exception {
    WanError e = refused(client.submit(KEY, wan27I2v("no media", List.of()), "ay-media-1"));

    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("InvalidParameter");
    assertThat(e.message()).contains("Field required: input.media");
    assertThat(e.retryable()).isFalse();
    assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
    assertThat(sim.ledger().tasksOfRequest("ay-media-1")).isEmpty();

    HttpResponse<String> raw =
        post(
            CREATE_PATH,
            "{\"model\":\"wan2.7-i2v\",\"input\":{\"prompt\":\"x\"}}",
            KEY.secret(),
            true);
    assertThat(raw.statusCode()).isEqualTo(400);
    JsonNode error = mapper.readTree(raw.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("task_error");
    assertThat(error.get("message").asText())
        .isEqualTo("[InvalidParameter] Field required: input.media");
  }

  @Test
  void invalidParameterOfAMediaRequestIsRelayedWithItsBracketedCode() {
    List<MediaItem> foreign =
        List.of(new MediaItem("reference_video", "https://example.com/v.mp4", null, null));
    WanError e = refused(client.submit(KEY, wan27I2v("wrong media", foreign), "ay-param-1"));

    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("InvalidParameter");
    assertThat(e.message()).contains("input.media[0].type");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void modelOutsideTheWanGroupIsTheDistributorsModelNotFound() {
    WanError e =
        refused(client.submit(KEY, GenerationRequests.i2v("sora-2", "x", "720P"), "ay-model-1"));

    assertThat(e.code()).isEqualTo(NewApiErrors.MODEL_NOT_FOUND);
    assertThat(e.httpStatus()).isEqualTo(503);
    assertThat(e.retryable()).isFalse();
    assertThat(e.message()).contains("sora-2");
    assertThat(sim.ledger().tasksOfRequest("ay-model-1")).isEmpty();
  }

  @Test
  void wanModelTheUpstreamDoesNotKnowIsItsBracketedRefusal() {
    WanError e =
        refused(
            client.submit(
                KEY, GenerationRequests.i2v("wan9.9-i2v-imaginary", "x", "720P"), "ay-m-2"));

    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("InvalidParameter");
    assertThat(e.message()).contains("Model not exist.");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void olderWanModelsPassThroughToo() {
    String taskId =
        accept(client.submit(KEY, GenerationRequests.flash("legacy i2v"), "ay-legacy-1"));
    AtomicInteger queries = new AtomicInteger();
    TaskSnapshot done = awaitTerminal(client, taskId, queries);
    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.usage()).isNull();
    assertThat(sim.ledger().polls(taskId)).hasSize(queries.get());
    assertThat(sim.ledger().task(taskId))
        .hasValueSatisfying(
            t -> {
              assertThat(t.tier()).isEqualTo("480P");
              assertThat(t.usageMillis()).isEqualTo(5_000);
            });
  }

  @Test
  void createWithoutTheAsyncHeaderIsRefusedWithTheRealMessage() throws Exception {
    String body =
        "{\"model\":\"wan2.7-i2v\",\"input\":{\"prompt\":\"x\",\"media\":"
            + "[{\"type\":\"first_frame\",\"url\":\"https://example.com/f.png\"}]},"
            + "\"parameters\":{\"resolution\":\"720P\"}}";
    int before = sim.ledger().tasks().size();

    HttpResponse<String> sync = post(CREATE_PATH, body, KEY.secret(), false);

    assertThat(sync.statusCode()).isEqualTo(403);
    JsonNode error = mapper.readTree(sync.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo("task_error");
    assertThat(error.get("message").asText())
        .contains("current user api does not support synchronous calls");
    assertThat(sim.ledger().tasks()).hasSize(before);
    HttpResponse<String> async = post(CREATE_PATH, body, KEY.secret(), true);
    assertThat(async.statusCode()).isEqualTo(200);
    assertThat(mapper.readTree(async.body()).at("/output/task_status").asText())
        .isEqualTo("PENDING");
  }

  @Test
  void bodiesApiyiCannotReadOrBuildAreRefusedWithoutATaskAndNotInDoubt() throws Exception {
    HttpResponse<String> notJson = post(CREATE_PATH, "model=wan2.7-i2v", KEY.secret(), true);
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(mapper.readTree(notJson.body()).at("/error/type").asText())
        .isEqualTo("parse_request_failed");

    SubmitOutcome built =
        client.submit(KEY, wan27I2v("[sim:submit=build-failed] x", frameAndAudio()), "ay-build-1");
    WanError e = refused(built);
    assertThat(e.httpStatus()).isEqualTo(500);
    assertThat(e.code()).isEqualTo("build_request_failed");
    assertThat(e.retryable()).isFalse();
    assertThat(sim.ledger().tasksOfRequest("ay-build-1")).isEmpty();
  }

  @Test
  void injectedThrottlingOnTheNormalizedQueryIsARetryableFailure() {
    try (WanSimulator faulty =
        WanSimulator.start(
            SimulatorConfig.builder().faults(Route.QUERY, Faults.alwaysThrottle()).build())) {
      ApiyiClient c = clientFor(faulty);
      String taskId = accept(c.submit(KEY, wan27I2v("x", frameAndAudio()), "ay-429-q"));
      QueryOutcome<TaskSnapshot> q = c.query(KEY, taskId);
      assertThat(q).isInstanceOf(QueryOutcome.Failed.class);
      WanError e = ((QueryOutcome.Failed<TaskSnapshot>) q).error();
      assertThat(e.throttled()).isTrue();
      assertThat(e.retryable()).isTrue();
      assertThat(e.stage()).isEqualTo(WanError.Stage.QUERY);
    }
  }

  @Test
  void expiredResultUrlAnswersOssXmlAndARequeryGivesAFreshOne() throws Exception {
    AdjustableClock clock = new AdjustableClock(Instant.parse("2026-03-01T02:00:00Z"));
    try (WanSimulator timed =
        WanSimulator.start(
            SimulatorConfig.builder()
                .clock(clock)
                .pendingTime(Duration.ofSeconds(1))
                .runningTime(Duration.ofSeconds(30))
                .linkLifetime(Duration.ofMinutes(10))
                .build())) {
      ApiyiClient c = clientFor(timed);
      String taskId = accept(c.submit(KEY, wan27I2v("clocked", frameAndAudio()), "ay-expiry-1"));
      clock.advance(Duration.ofSeconds(32));
      TaskSnapshot done = snapshot(c, KEY, taskId);
      assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
      assertThat(done.videoUrl().expiresAt()).contains(Instant.parse("2026-03-01T02:10:31Z"));

      clock.advance(Duration.ofMinutes(11));
      HttpResponse<String> expired =
          plain.send(
              HttpRequest.newBuilder(done.videoUrl().uri()).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(expired.statusCode()).isEqualTo(403);
      assertThat(expired.body())
          .contains("<Code>AccessDenied</Code>")
          .contains("<Message>Request has expired.</Message>");

      TaskSnapshot again = snapshot(c, KEY, taskId);
      assertThat(again.videoUrl()).isNotEqualTo(done.videoUrl());
      assertThat(again.videoUrl().expiresAt()).contains(Instant.parse("2026-03-01T02:21:32Z"));
      HttpResponse<byte[]> fresh =
          plain.send(
              HttpRequest.newBuilder(again.videoUrl().uri()).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(fresh.statusCode()).isEqualTo(200);
      assertThat(timed.videoSha256(taskId)).contains(SimulatedProvider.sha256(fresh.body()));
    }
  }

  private static JsonNode getJson(String path) throws Exception {
    return getJson(sim, path);
  }

  private static JsonNode getJson(WanSimulator s, String path) throws Exception {
    HttpResponse<String> r =
        plain.send(
            HttpRequest.newBuilder(URI.create(s.baseUrl() + path))
                .header("Authorization", "Bearer " + KEY.secret())
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return mapper.readTree(r.body());
  }

  private static HttpResponse<String> post(String path, String body, String secret, boolean async)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
            .header("Authorization", "Bearer " + secret)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (async) {
      b.header("X-DashScope-Async", "enable");
    }
    return plain.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static TaskSnapshot awaitTerminal(ApiyiClient c, String taskId) {
    return awaitTerminal(c, taskId, new AtomicInteger());
  }

  /** Queries until terminal, counting the {@code query()} calls in {@code queries}. */
  private static TaskSnapshot awaitTerminal(ApiyiClient c, String taskId, AtomicInteger queries) {
    AtomicReference<TaskSnapshot> last = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              queries.incrementAndGet();
              last.set(snapshot(c, KEY, taskId));
              return last.get().status().terminal();
            });
    return last.get();
  }

  private static TaskSnapshot snapshot(ApiyiClient c, ApiKey key, String taskId) {
    return answered(c.query(key, taskId));
  }

  private static String accept(SubmitOutcome outcome) {
    return accepted(outcome).taskId();
  }
}
