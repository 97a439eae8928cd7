package io.wanpipeline.wan.dialect;

import static io.wanpipeline.wan.testing.Outcomes.accepted;
import static io.wanpipeline.wan.testing.Outcomes.answered;
import static io.wanpipeline.wan.testing.Outcomes.failed;
import static io.wanpipeline.wan.testing.Outcomes.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterClient;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterTaskId;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import io.wanpipeline.wan.testing.GenerationRequests;
import io.wanpipeline.wan.testing.Outcomes;
import io.wanpipeline.wan.testing.SimulatedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our MuleRouter client against the simulator's MuleRouter front end, through every outcome. */
class MuleRouterClientIT {

  private static final ApiKey KEY = new ApiKey("mule#0", "sk-mule-it-main");
  private static final ApiKey OTHER_ACCOUNT_KEY = new ApiKey("mule-other#0", "sk-mule-it-other");
  private static final String FLASH_PATH = "/vendors/alibaba/v1/wan2.2-i2v-flash/generation";

  private static WanSimulator sim;
  private static MuleRouterClient client;
  private static final HttpClient plain = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    sim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .apiKey(KEY.secret(), "acct-mule")
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

  static MuleRouterClient clientFor(WanSimulator s) {
    return MuleRouterClient.builder()
        .baseUrl(s.baseUrl())
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  @Test
  void submitsFlatPollsUnderTheModelPathAndDownloadsWithoutAuthorization() throws Exception {
    SubmitOutcome outcome =
        client.submit(KEY, GenerationRequests.flash("a cat turns its head"), "req-mr-1");

    SubmitOutcome.Accepted accepted = accepted(outcome);
    assertThat(accepted.status()).isEqualTo(ProviderStatus.PENDING);
    MuleRouterTaskId id = MuleRouterTaskId.parse(accepted.taskId()).orElseThrow();
    assertThat(id.model()).isEqualTo("wan2.2-i2v-flash");
    assertThat(sim.ledger().submissions("req-mr-1"))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.path()).isEqualTo(FLASH_PATH);
              assertThat(s.code()).isNull();
              assertThat(s.model()).isEqualTo("wan2.2-i2v-flash");
              assertThat(s.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret()));
              assertThat(s.taskId()).isEqualTo(id.id());
            });

    TaskSnapshot done = awaitTerminal(client, accepted.taskId());

    assertThat(done.taskId()).isEqualTo(accepted.taskId());
    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.submitTime()).isNotNull();
    assertThat(done.endTime()).isAfterOrEqualTo(done.submitTime());
    assertThat(done.usage())
        .as("MuleRouter reports no usage: billing uses the requested duration")
        .isNull();
    assertThat(sim.ledger().task(id.id()))
        .hasValueSatisfying(
            t -> {
              assertThat(t.state()).isEqualTo("SUCCEEDED");
              assertThat(t.usageMillis()).isEqualTo(5_000);
              assertThat(t.tier()).isEqualTo("480P");
              assertThat(t.endpointPath()).isEqualTo(FLASH_PATH);
              assertThat(t.pipelineRequestId()).isEqualTo("req-mr-1");
            });
    assertThat(sim.ledger().polls(id.id()))
        .as("polls are recorded under MuleRouter's own id, with the creating key")
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret())));

    HttpResponse<byte[]> video =
        plain.send(
            HttpRequest.newBuilder(done.videoUrl().uri()).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(video.statusCode()).isEqualTo(200);
    assertThat(new String(video.body(), 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
    String sha = SimulatedProvider.sha256(video.body());
    assertThat(sim.videoSha256(id.id())).contains(sha);
  }

  @Test
  void defaultResolutionIsMuleRoutersSevenTwentyP() {
    GenerationRequest noTier = GenerationRequests.i2v("wan2.2-i2v-flash", "no tier", null);
    String taskId = accepted(client.submit(KEY, noTier, "req-mr-720")).taskId();
    assertThat(sim.ledger().task(MuleRouterTaskId.parse(taskId).orElseThrow().id()))
        .hasValueSatisfying(t -> assertThat(t.tier()).isEqualTo("720P"));
  }

  @Test
  void unsupportedResolutionIsRefusedPermanentlyInMuleRoutersWords() {
    WanError e =
        refused(
            client.submit(
                KEY, GenerationRequests.i2v("wan2.2-i2v-flash", "x", "1080P"), "req-mr-res"));

    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("400");
    assertThat(e.message()).contains("Invalid Request").contains("resolution").contains("1080P");
    assertThat(e.message()).doesNotContain("parameters.");
    assertThat(e.retryable()).isFalse();
    assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
    assertThat(sim.ledger().tasksOfRequest("req-mr-res")).isEmpty();
  }

  @Test
  void missingImageIsRefusedNamingMuleRoutersField() {
    GenerationRequest noImage =
        GenerationRequestBuilder.model("wan2.2-i2v-flash")
            .prompt("no image")
            .resolution("480P")
            .build();
    WanError e = refused(client.submit(KEY, noImage, "req-mr-img"));
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.message()).contains("image").doesNotContain("img_url");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void injectedThrottlingOnTheCreateRouteIsRefusedRetryable() {
    try (WanSimulator faulty =
        WanSimulator.start(
            SimulatorConfig.builder().faults(Route.CREATE, Faults.alwaysThrottle()).build())) {
      WanError e =
          refused(clientFor(faulty).submit(KEY, GenerationRequests.flash("x"), "req-mr-429b"));
      assertThat(e.throttled()).isTrue();
      assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      assertThat(faulty.ledger().submissions("req-mr-429b"))
          .singleElement()
          .satisfies(s -> assertThat(s.path()).isEqualTo(FLASH_PATH));
    }
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
      MuleRouterClient c = clientFor(timed);
      String taskId =
          accepted(c.submit(KEY, GenerationRequests.flash("clocked"), "req-mr-exp")).taskId();
      assertThat(answered(c.query(KEY, taskId)).status()).isEqualTo(ProviderStatus.PENDING);
      clock.advance(Duration.ofSeconds(2));
      assertThat(answered(c.query(KEY, taskId)).status()).isEqualTo(ProviderStatus.RUNNING);
      clock.advance(Duration.ofSeconds(30));
      TaskSnapshot done = answered(c.query(KEY, taskId));
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

      TaskSnapshot again = answered(c.query(KEY, taskId));
      assertThat(again.videoUrl()).isNotEqualTo(done.videoUrl());
      HttpResponse<byte[]> fresh =
          plain.send(
              HttpRequest.newBuilder(again.videoUrl().uri()).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(fresh.statusCode()).isEqualTo(200);
      assertThat(timed.videoSha256(MuleRouterTaskId.parse(taskId).orElseThrow().id()))
          .contains(SimulatedProvider.sha256(fresh.body()));
    }
  }

  @Test
  void unknownTasksOtherModelsAndOtherAccountsAnswerUnknown() {
    assertThat(
            answered(client.query(KEY, "wan2.2-i2v-flash/00000000-0000-0000-0000-000000000000"))
                .status())
        .isEqualTo(ProviderStatus.UNKNOWN);
    String mine =
        accepted(client.submit(KEY, GenerationRequests.flash("mine"), "req-mr-acct")).taskId();
    MuleRouterTaskId id = MuleRouterTaskId.parse(mine).orElseThrow();
    assertThat(answered(client.query(KEY, mine)).status()).isNotEqualTo(ProviderStatus.UNKNOWN);
    assertThat(answered(client.query(KEY, "wan2.2-i2v-plus/" + id.id())).status())
        .as("a task is found only under the model it was created with")
        .isEqualTo(ProviderStatus.UNKNOWN);
    assertThat(answered(client.query(OTHER_ACCOUNT_KEY, mine)).status())
        .as("a task is visible only to its own account")
        .isEqualTo(ProviderStatus.UNKNOWN);
  }

  @Test
  void bareTaskIdsCancelAndListAreNonRetryableFailures() {
    WanError bare = failed(client.query(KEY, "3c90c3cc-0d44-4b50-8888-8dd25736052a"));
    assertThat(bare.code()).isEqualTo(MuleRouterClient.INVALID_TASK_ID);
    assertThat(bare.retryable()).isFalse();

    WanError cancel = failed(client.cancel(KEY, "wan2.2-i2v-flash/x"));
    assertThat(cancel.code()).isEqualTo(MuleRouterClient.UNSUPPORTED);
    assertThat(cancel.retryable()).isFalse();
    WanError list = failed(client.list(KEY, new TaskListQuery(null, null, null, null, 1, 10)));
    assertThat(list.code()).isEqualTo(MuleRouterClient.UNSUPPORTED);
    assertThat(list.retryable()).isFalse();
  }

  @Test
  void queryServerErrorIsRetryable() {
    try (WanSimulator flaky =
        WanSimulator.start(
            SimulatorConfig.builder()
                .faults(Route.QUERY, Faults.NONE.withUnavailableRate(1))
                .build())) {
      MuleRouterClient c = clientFor(flaky);
      String taskId = accepted(c.submit(KEY, GenerationRequests.flash("x"), "req-mr-503")).taskId();
      WanError e = failed(c.query(KEY, taskId));
      assertThat(e.httpStatus()).isEqualTo(503);
      assertThat(e.retryable()).isTrue();
      assertThat(e.stage()).isEqualTo(WanError.Stage.QUERY);
    }
  }

  @Test
  void gatewayAnswersItsOwnErrorShapeAndRouteStatusCodes() throws Exception {
    HttpResponse<String> created =
        plain.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + FLASH_PATH))
                .header("Authorization", "Bearer " + KEY.secret())
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"prompt\":\"seed example\",\"image\":\"https://example.com/p.jpg\","
                            + "\"resolution\":\"720P\",\"duration\":5,\"prompt_extend\":true,"
                            + "\"seed\":1073741823,\"safety_filter\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).isEqualTo(202);
    assertThat(created.body())
        .contains("\"task_info\"")
        .contains("\"status\":\"pending\"")
        .containsPattern("\"created_at\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"");

    HttpResponse<String> noKey =
        plain.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + FLASH_PATH + "/abc")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(noKey.body()).contains("\"title\":\"Unauthorized\"").contains("\"detail\"");

    HttpResponse<String> cancel =
        plain.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + FLASH_PATH + "/abc/cancel"))
                .header("Authorization", "Bearer " + KEY.secret())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(cancel.statusCode()).as("MuleRouter has no cancel route").isEqualTo(404);
  }

  private static TaskSnapshot awaitTerminal(MuleRouterClient c, String taskId) {
    return Outcomes.awaitTerminal(c, KEY, taskId);
  }
}
