package io.wanpipeline.wan.dialect;

import static io.wanpipeline.wan.testing.Outcomes.accepted;
import static io.wanpipeline.wan.testing.Outcomes.answered;
import static io.wanpipeline.wan.testing.Outcomes.refused;
import static org.assertj.core.api.Assertions.assertThat;

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
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dialect.crazyrouter.CrazyrouterClient;
import io.wanpipeline.wan.dialect.newapi.NewApiErrors;
import io.wanpipeline.wan.testing.GenerationRequests;
import io.wanpipeline.wan.testing.Outcomes;
import io.wanpipeline.wan.testing.SimulatedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our Crazyrouter client against the simulator's Crazyrouter front end (seeds 000 and 001), through
 * every outcome it has to classify.
 */
class CrazyrouterClientIT {

  private static final ApiKey KEY = new ApiKey("crazy#0", "sk-crazy-it-main");
  private static final ApiKey OTHER_ACCOUNT_KEY = new ApiKey("crazy-other#0", "sk-crazy-it-other");
  private static final String CREATE_PATH =
      "/alibailian/api/v1/services/aigc/video-generation/video-synthesis";

  private static final HttpClient plain = HttpClient.newHttpClient();
  private static final ObjectMapper mapper = new ObjectMapper();
  private static WanSimulator sim;
  private static CrazyrouterClient client;

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

  static CrazyrouterClient clientFor(WanSimulator s) {
    return CrazyrouterClient.create(
        DashScopeClient.builder()
            .baseUrl(s.baseUrl())
            .connectTimeout(Duration.ofSeconds(2))
            .requestTimeout(Duration.ofSeconds(5)));
  }

  @Test
  void submitsThroughTheAliasPollsUntilSucceededAndDownloadsWithoutAuthorization()
      throws Exception {
    SubmitOutcome outcome =
        client.submit(KEY, GenerationRequests.flash("a cat turns"), "cr-life-1");

    SubmitOutcome.Accepted accepted = accepted(outcome);
    assertThat(accepted.status()).isEqualTo(ProviderStatus.PENDING);
    assertThat(accepted.providerRequestId()).isNotBlank();
    assertThat(sim.ledger().submissions("cr-life-1"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.path()).isEqualTo(CREATE_PATH);
              assertThat(s.model()).isEqualTo("wan2.2-i2v-flash");
              assertThat(s.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret()));
              assertThat(s.taskId()).isEqualTo(accepted.taskId());
            });

    TaskSnapshot done = awaitTerminal(client, accepted.taskId());

    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.submitTime()).isBefore(done.scheduledTime());
    assertThat(done.scheduledTime()).isBefore(done.endTime());
    assertThat(done.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(done.usage().tier()).isEqualTo("480P");
    assertThat(sim.ledger().polls(accepted.taskId()))
        .as("every poll went through the alias and was recorded with its key")
        .isNotEmpty()
        .allSatisfy(
            p -> {
              assertThat(p.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret()));
              assertThat(p.httpStatus()).isEqualTo(200);
            });

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
              assertThat(t.usageMillis()).isEqualTo(5_000);
              assertThat(t.endpointPath()).isEqualTo(CREATE_PATH);
            });
  }

  @Test
  void firstLastFrameAndSubjectReferenceModelsAreCreatedOnTheVideoGenerationPath() {
    String kf2v = accept(client.submit(KEY, GenerationRequests.kf2v("two frames"), "cr-kf2v-1"));
    String s2v = accept(client.submit(KEY, GenerationRequests.s2v("[sim:run-ms=100]"), "cr-s2v-1"));

    assertThat(sim.ledger().submissions())
        .filteredOn(s -> s.taskId() != null && (s.taskId().equals(kf2v) || s.taskId().equals(s2v)))
        .extracting(SimulatorLedger.Submission::path)
        .containsOnly(CREATE_PATH);
    TaskSnapshot done = awaitTerminal(client, s2v);
    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.usage().videoDurationMillis())
        .as("s2v seconds follow the audio: fractional")
        .isEqualTo(sim.ledger().task(s2v).orElseThrow().usageMillis());
  }

  @Test
  void modelTheAliasDoesNotServeIsABusinessErrorModelNotFoundAndNoTask() throws Exception {
    GenerationRequest wan27 = GenerationRequests.i2v("wan2.7-i2v", "x", "720P");
    WanError e = refused(client.submit(KEY, wan27, "cr-model-1"));

    assertThat(e.code()).isEqualTo(NewApiErrors.MODEL_NOT_FOUND);
    assertThat(e.httpStatus()).as("a business error, not a 404").isEqualTo(503);
    assertThat(e.retryable()).isFalse();
    assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
    assertThat(e.message()).contains("wan2.7-i2v");
    assertThat(sim.ledger().tasksOfRequest("cr-model-1")).isEmpty();
    assertThat(sim.ledger().submissions("cr-model-1"))
        .singleElement()
        .satisfies(s -> assertThat(s.code()).isEqualTo("model_not_found"));

    HttpResponse<String> raw =
        post(
            CREATE_PATH,
            "{\"model\":\"wan9.9-imaginary\",\"input\":{\"prompt\":\"x\"}}",
            KEY.secret());
    assertThat(raw.statusCode()).isEqualTo(503);
    JsonNode error = mapper.readTree(raw.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("model_not_found");
    assertThat(error.get("type").asText()).isEqualTo("new_api_error");
    assertThat(error.get("message").asText()).contains("wan9.9-imaginary").contains("request id");
  }

  @Test
  void invalidParameterOfAServedModelIsTheUpstreamsRefusalRelayed() {
    WanError e =
        refused(
            client.submit(
                KEY, GenerationRequests.i2v("wan2.2-i2v-flash", "x", "1080P"), "cr-res-1"));

    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("InvalidParameter");
    assertThat(e.message()).contains("resolution").contains("1080P");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void injectedThrottlingOnTheAliasIsRefusedRetryable() {
    try (WanSimulator faulty =
        WanSimulator.start(
            SimulatorConfig.builder().faults(Route.CREATE, Faults.alwaysThrottle()).build())) {
      WanError e =
          refused(clientFor(faulty).submit(KEY, GenerationRequests.flash("x"), "cr-429-2"));
      assertThat(e.throttled()).isTrue();
      assertThat(e.retryable()).isTrue();
      assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      assertThat(faulty.ledger().submissions("cr-429-2"))
          .singleElement()
          .satisfies(s -> assertThat(s.path()).isEqualTo(CREATE_PATH));
    }
  }

  @Test
  void taskUnknownToTheAliasAnswersTaskNotExistReadAsUnknown() throws Exception {
    HttpResponse<String> raw =
        get("/alibailian/api/v1/tasks/00000000-0000-0000-0000-000000000000", KEY.secret());
    assertThat(raw.statusCode()).isEqualTo(400);
    JsonNode body = mapper.readTree(raw.body());
    assertThat(body.get("code").asText()).isEqualTo("task_not_exist");
    assertThat(body.get("message").asText()).isEqualTo("task_not_exist");
    assertThat(body.get("data").isNull()).isTrue();

    assertThat(snapshot(client, KEY, "00000000-0000-0000-0000-000000000000").status())
        .isEqualTo(ProviderStatus.UNKNOWN);
    String mine = accept(client.submit(KEY, GenerationRequests.flash("mine"), "cr-acct-1"));
    assertThat(snapshot(client, KEY, mine).status()).isNotEqualTo(ProviderStatus.UNKNOWN);
    assertThat(snapshot(client, OTHER_ACCOUNT_KEY, mine).status())
        .as("a task is visible only to its own account")
        .isEqualTo(ProviderStatus.UNKNOWN);
    String nativeTask =
        accept(
            SimulatedProvider.dashScopeClient(sim)
                .submit(KEY, GenerationRequests.flash("n"), "cr-native-1"));
    assertThat(snapshot(client, KEY, nativeTask).status())
        .as("the alias knows only the tasks created through it")
        .isEqualTo(ProviderStatus.UNKNOWN);
  }

  @Test
  void cancelAndListAreNotOfferedAndMakeNoCall() throws Exception {
    String pending =
        accept(
            client.submit(KEY, GenerationRequests.flash("[sim:pending-forever]"), "cr-cancel-1"));
    int cancelsBefore = sim.ledger().cancels().size();
    int listsBefore = sim.ledger().lists().size();

    QueryOutcome<Boolean> cancel = client.cancel(KEY, pending);
    QueryOutcome<?> list =
        client.list(KEY, new TaskListQuery(Instant.EPOCH, Instant.EPOCH, null, null, 1, 10));

    for (QueryOutcome<?> o : java.util.List.of(cancel, list)) {
      assertThat(o).isInstanceOf(QueryOutcome.Failed.class);
      WanError e = ((QueryOutcome.Failed<?>) o).error();
      assertThat(e.code()).isEqualTo(NewApiErrors.UNSUPPORTED_OPERATION);
      assertThat(e.message()).contains("not supported by crazyrouter");
      assertThat(e.retryable()).isFalse();
    }
    assertThat(sim.ledger().cancels()).hasSize(cancelsBefore);
    assertThat(sim.ledger().lists()).hasSize(listsBefore);
    HttpResponse<String> raw =
        post("/alibailian/api/v1/tasks/" + pending + "/cancel", "", KEY.secret());
    assertThat(raw.statusCode()).as("the alias has no cancel route").isEqualTo(404);
    assertThat(snapshot(client, KEY, pending).status()).isEqualTo(ProviderStatus.PENDING);
  }

  @Test
  void expiredLinkAnswersOssXmlAndARequeryGivesAFreshOne() throws Exception {
    AdjustableClock clock = new AdjustableClock(Instant.parse("2026-03-01T02:00:00Z"));
    try (WanSimulator timed =
        WanSimulator.start(
            SimulatorConfig.builder()
                .clock(clock)
                .pendingTime(Duration.ofSeconds(1))
                .runningTime(Duration.ofSeconds(30))
                .linkLifetime(Duration.ofMinutes(10))
                .build())) {
      CrazyrouterClient c = clientFor(timed);
      String taskId = accept(c.submit(KEY, GenerationRequests.flash("clocked"), "cr-expiry-1"));
      assertThat(snapshot(c, KEY, taskId).status()).isEqualTo(ProviderStatus.PENDING);
      clock.advance(Duration.ofSeconds(2));
      assertThat(snapshot(c, KEY, taskId).status()).isEqualTo(ProviderStatus.RUNNING);
      clock.advance(Duration.ofSeconds(30));
      TaskSnapshot done = snapshot(c, KEY, taskId);
      assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
      assertThat(done.endTime()).isEqualTo(Instant.parse("2026-03-01T02:00:31Z"));
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

  private static HttpResponse<String> post(String path, String body, String secret)
      throws Exception {
    return plain.send(
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
            .header("Authorization", "Bearer " + secret)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path, String secret) throws Exception {
    return plain.send(
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
            .header("Authorization", "Bearer " + secret)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static TaskSnapshot awaitTerminal(CrazyrouterClient c, String taskId) {
    return Outcomes.awaitTerminal(c, KEY, taskId);
  }

  private static TaskSnapshot snapshot(CrazyrouterClient c, ApiKey key, String taskId) {
    return answered(c.query(key, taskId));
  }

  private static String accept(SubmitOutcome outcome) {
    return accepted(outcome).taskId();
  }
}
