package io.wanpipeline.wan.dialect;

import static io.wanpipeline.wan.testing.Outcomes.accepted;
import static io.wanpipeline.wan.testing.Outcomes.answered;
import static io.wanpipeline.wan.testing.Outcomes.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dialect.vtrix.VtrixClient;
import io.wanpipeline.wan.dialect.vtrix.VtrixEnvelope;
import io.wanpipeline.wan.dialect.vtrix.VtrixModelIds;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our Vtrix client against the simulator's Vtrix front end, in both envelopes. */
class VtrixClientIT {

  private static final ApiKey KEY = new ApiKey("vtrix#0", "sk-vtrix-it-main");
  private static final ApiKey OTHER_ACCOUNT_KEY = new ApiKey("vtrix-other#0", "sk-vtrix-it-other");
  private static final String GENERATION = "/model/v1/generation";

  private static WanSimulator sim;
  private static final HttpClient plain = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    sim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .apiKey(KEY.secret(), "acct-vtrix")
                .apiKey(OTHER_ACCOUNT_KEY.secret(), "acct-other")
                .pendingTime(Duration.ofMillis(150))
                .runningTime(Duration.ofMillis(300))
                .retryAfter(Duration.ofSeconds(2))
                .build());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static VtrixClient clientFor(WanSimulator s, VtrixEnvelope envelope) {
    return VtrixClient.builder()
        .baseUrl(s.baseUrl())
        .envelope(envelope)
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static VtrixClient client() {
    return clientFor(sim, VtrixEnvelope.OBJECT);
  }

  @ParameterizedTest
  @EnumSource(VtrixEnvelope.class)
  void eitherEnvelopeRunsTheLifecycleWithUsageAndTheProviderCost(VtrixEnvelope envelope)
      throws Exception {
    VtrixClient c = clientFor(sim, envelope);
    String requestId = "req-vt-life-" + envelope.word();

    SubmitOutcome.Accepted accepted =
        accepted(c.submit(KEY, GenerationRequests.flash("a cat turns its head"), requestId));

    assertThat(accepted.status())
        .as("Vtrix says in_progress while queued")
        .isEqualTo(ProviderStatus.RUNNING);
    assertThat(sim.ledger().submissions(requestId))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.path()).isEqualTo(GENERATION);
              assertThat(s.httpStatus()).isEqualTo(200);
              assertThat(s.model()).isEqualTo("wan2.2-i2v-flash");
              assertThat(s.taskId()).isEqualTo(accepted.taskId());
              assertThat(s.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret()));
            });

    TaskSnapshot done = awaitTerminal(c, accepted.taskId());

    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.taskId()).isEqualTo(accepted.taskId());
    assertThat(done.submitTime()).isNotNull();
    assertThat(done.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(done.usage().tier()).isEqualTo("480P");
    assertThat(done.usage().videoCount()).isEqualTo(1);
    assertThat(done.usage().providerCost())
        .as("0.014 USD/s x 5 s, Vtrix's own charge")
        .isEqualTo("0.07");
    assertThat(done.usage().providerCostCurrency()).isEqualTo("USD");
    assertThat(sim.ledger().task(accepted.taskId()))
        .hasValueSatisfying(
            t -> {
              assertThat(t.state()).isEqualTo("SUCCEEDED");
              assertThat(t.tier()).as("the body's parameters were read").isEqualTo("480P");
              assertThat(t.usageMillis()).isEqualTo(done.usage().videoDurationMillis());
              assertThat(t.endpointPath()).isEqualTo(GENERATION);
            });
    assertThat(sim.ledger().polls(accepted.taskId()))
        .isNotEmpty()
        .allSatisfy(p -> assertThat(p.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret())));

    HttpResponse<byte[]> video =
        plain.send(
            HttpRequest.newBuilder(done.videoUrl().uri()).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(video.statusCode()).isEqualTo(200);
    assertThat(new String(video.body(), 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
    assertThat(sim.videoSha256(accepted.taskId())).contains(SimulatedProvider.sha256(video.body()));
  }

  @Test
  void createMayAlreadyAnswerCompleted() {
    SubmitOutcome.Accepted accepted =
        accepted(
            client()
                .submit(
                    KEY,
                    GenerationRequests.flash("[sim:pending-ms=0] [sim:run-ms=0] fast"),
                    "req-vt-now"));
    assertThat(accepted.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    TaskSnapshot done = answered(client().query(KEY, accepted.taskId()));
    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.videoUrl()).isNotNull();
  }

  @Test
  void sevenTwentyPCostsTwiceAsMuchPerSecond() {
    String taskId =
        accepted(
                client()
                    .submit(
                        KEY,
                        GenerationRequests.i2v("wan2.2-i2v-flash", "hd", "720P"),
                        "req-vt-720"))
            .taskId();
    TaskSnapshot done = awaitTerminal(client(), taskId);
    assertThat(done.usage().tier()).isEqualTo("720P");
    assertThat(done.usage().providerCost()).isEqualTo("0.14");
  }

  @Test
  void modelWithoutAVtrixIdIsRefusedPermanentlyBeforeAnyCall() {
    WanError e =
        refused(
            client()
                .submit(KEY, GenerationRequests.i2v("wan2.6-i2v", "x", "720P"), "req-vt-unmapped"));
    assertThat(e.code()).isEqualTo(VtrixClient.UNSUPPORTED_MODEL);
    assertThat(e.message()).contains("wan2.6-i2v").contains(VtrixModelIds.OPTION);
    assertThat(e.retryable()).isFalse();
    assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
    assertThat(sim.ledger().submissions("req-vt-unmapped")).isEmpty();
  }

  @Test
  void modelIdVtrixDoesNotKnowIsRefusedByTheGateway() {
    VtrixClient misconfigured =
        VtrixClient.builder()
            .baseUrl(sim.baseUrl())
            .modelIds(VtrixModelIds.standard().with("wan2.6-i2v=wan26_i2v_guess"))
            .build();
    WanError e =
        refused(
            misconfigured.submit(
                KEY, GenerationRequests.i2v("wan2.6-i2v", "x", "720P"), "req-vt-guess"));
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.message()).contains("wan26_i2v_guess");
    assertThat(e.retryable()).isFalse();
    assertThat(sim.ledger().tasksOfRequest("req-vt-guess")).isEmpty();
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
      VtrixClient c = clientFor(timed, VtrixEnvelope.PARAMS_ARRAY);
      String taskId =
          accepted(c.submit(KEY, GenerationRequests.flash("clocked"), "req-vt-exp")).taskId();
      assertThat(answered(c.query(KEY, taskId)).submitTime())
          .isEqualTo(Instant.parse("2026-03-01T02:00:00Z"));
      clock.advance(Duration.ofSeconds(32));
      TaskSnapshot done = answered(c.query(KEY, taskId));
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

      TaskSnapshot again = answered(c.query(KEY, taskId));
      assertThat(again.videoUrl()).isNotEqualTo(done.videoUrl());
      HttpResponse<byte[]> fresh =
          plain.send(
              HttpRequest.newBuilder(again.videoUrl().uri()).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(fresh.statusCode()).isEqualTo(200);
      assertThat(timed.videoSha256(taskId)).contains(SimulatedProvider.sha256(fresh.body()));
    }
  }

  @Test
  void gatewayAcceptsBothEnvelopesAndRefusesAnythingElseInItsErrorShape() throws Exception {
    String params =
        "{\"input\":{\"prompt\":\"raw\",\"img_url\":\"https://example.com/c.png\"},"
            + "\"parameters\":{\"resolution\":\"480P\"}}";
    HttpResponse<String> object = post("{\"model\":\"wan22_i2v_flash\"," + params.substring(1));
    HttpResponse<String> array =
        post("{\"model\":\"wan22_i2v_flash\",\"input\":[{\"params\":" + params + "}]}");
    HttpResponse<String> flatParams =
        post(
            "{\"model\":\"wan22_i2v_flash\",\"input\":[{\"params\":{\"prompt\":\"raw\","
                + "\"img_url\":\"https://example.com/c.png\",\"resolution\":\"480P\"}}]}");
    HttpResponse<String> neither = post("{\"model\":\"wan22_i2v_flash\",\"input\":\"raw\"}");

    assertThat(object.statusCode()).isEqualTo(200);
    assertThat(array.statusCode()).isEqualTo(200);
    assertThat(flatParams.statusCode()).isEqualTo(200);
    assertThat(object.body())
        .contains("\"status\":\"in_progress\"")
        .contains("\"model\":\"wan22_i2v_flash\"")
        .containsPattern("\"created_at\":\\d+");
    assertThat(neither.statusCode()).isEqualTo(400);
    assertThat(neither.body()).contains("\"code\":\"400\"").contains("\"message\"");
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return plain.send(
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + GENERATION))
            .header("Authorization", "Bearer " + KEY.secret())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static TaskSnapshot awaitTerminal(VtrixClient c, String taskId) {
    return Outcomes.awaitTerminal(c, KEY, taskId);
  }
}
