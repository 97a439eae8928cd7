package io.wanpipeline.wan.dashscope;

import static io.wanpipeline.wan.testing.Outcomes.answered;
import static io.wanpipeline.wan.testing.Outcomes.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.UsageStyle;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.testing.GenerationRequests;
import io.wanpipeline.wan.testing.Outcomes;
import io.wanpipeline.wan.testing.SimulatedProvider;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our DashScope client against the simulator, through every outcome it has to classify. */
class DashScopeClientIT {

  private static final ApiKey KEY = new ApiKey("cn-main#0", "sk-client-it-main");
  private static final ApiKey OTHER_ACCOUNT_KEY = new ApiKey("cn-other#0", "sk-client-it-other");

  private static WanSimulator sim;
  private static DashScopeClient client;
  private static final HttpClient plain = HttpClient.newHttpClient();

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
    client = SimulatedProvider.dashScopeClient(sim);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  void submitsPollsUntilSucceededAndDownloadsTheVideoWithoutAuthorization() throws Exception {
    SubmitOutcome outcome =
        client.submit(KEY, GenerationRequests.flash("a cat turns its head"), "req-life-1");

    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    SubmitOutcome.Accepted accepted = (SubmitOutcome.Accepted) outcome;
    assertThat(accepted.status()).isEqualTo(ProviderStatus.PENDING);
    assertThat(accepted.providerRequestId()).isNotBlank();
    assertThat(sim.ledger().submissionCount("req-life-1"))
        .as("the pipeline request_id header reached the provider once")
        .isEqualTo(1);
    assertThat(sim.ledger().tasksOfRequest("req-life-1"))
        .singleElement()
        .satisfies(t -> assertThat(t.taskId()).isEqualTo(accepted.taskId()));

    TaskSnapshot done = awaitTerminal(accepted.taskId());

    assertThat(done.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(done.submitTime()).isBefore(done.scheduledTime());
    assertThat(done.scheduledTime()).isBefore(done.endTime());
    assertThat(done.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(done.usage().tier()).isEqualTo("480P");
    assertThat(done.usage().videoCount()).isEqualTo(1);
    assertThat(done.videoUrl().expiresAt())
        .contains(
            done.endTime()
                .plus(Duration.ofHours(24))
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(done.videoUrl().toString()).doesNotContain("Signature");

    HttpResponse<byte[]> video =
        plain.send(
            HttpRequest.newBuilder(done.videoUrl().uri()).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(video.statusCode()).isEqualTo(200);
    assertThat(video.headers().firstValue("Content-Type")).contains("video/mp4");
    assertThat(video.headers().firstValueAsLong("Content-Length")).hasValue(video.body().length);
    assertThat(new String(video.body(), 4, 4, StandardCharsets.US_ASCII))
        .as("an MP4 starts with an ftyp box")
        .isEqualTo("ftyp");
    String sha = SimulatedProvider.sha256(video.body());
    assertThat(sim.videoSha256(accepted.taskId())).contains(sha);
    assertThat(sim.ledger().downloads(accepted.taskId()))
        .singleElement()
        .satisfies(d -> assertThat(d.sha256()).isEqualTo(sha));
    assertThat(sim.ledger().task(accepted.taskId()))
        .hasValueSatisfying(
            t -> {
              assertThat(t.state()).isEqualTo("SUCCEEDED");
              assertThat(t.usageMillis()).isEqualTo(5_000);
              assertThat(t.tier()).isEqualTo("480P");
              assertThat(t.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret()));
            });
  }

  @Test
  void linkCarryingAnAuthorizationHeaderOrATamperedSignatureIsRefused() throws Exception {
    TaskSnapshot done =
        awaitTerminal(accept(client.submit(KEY, GenerationRequests.flash("dog"), "req-auth-1")));
    URI link = done.videoUrl().uri();

    HttpResponse<String> withAuth =
        plain.send(
            HttpRequest.newBuilder(link).header("Authorization", "Bearer " + KEY.secret()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(withAuth.statusCode()).isEqualTo(403);
    assertThat(withAuth.body()).contains("<EC>0002-00000039</EC>");
    assertThat(withAuth.headers().firstValue("Content-Type")).contains("application/xml");

    URI tampered = URI.create(link.toString().replaceAll("Signature=[^&]+", "Signature=AAAA%3D"));
    HttpResponse<String> bad =
        plain.send(HttpRequest.newBuilder(tampered).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(403);
    assertThat(bad.body()).contains("<Code>SignatureDoesNotMatch</Code>");

    URI unsigned = URI.create(link.toString().substring(0, link.toString().indexOf('?')));
    HttpResponse<String> none =
        plain.send(HttpRequest.newBuilder(unsigned).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body()).contains("<Code>AccessDenied</Code>");
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
      DashScopeClient c = SimulatedProvider.dashScopeClient(timed);
      String taskId = accept(c.submit(KEY, GenerationRequests.flash("clocked"), "req-expiry-1"));
      assertThat(snapshot(c, taskId).status()).isEqualTo(ProviderStatus.PENDING);
      clock.advance(Duration.ofSeconds(2));
      assertThat(snapshot(c, taskId).status()).isEqualTo(ProviderStatus.RUNNING);
      clock.advance(Duration.ofSeconds(30));
      TaskSnapshot done = snapshot(c, taskId);
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
          .contains("<Error>")
          .contains("<Code>AccessDenied</Code>")
          .contains("<Message>Request has expired.</Message>")
          .contains("<Expires>2026-03-01T02:10:31.000Z</Expires>")
          .contains("<ServerTime>2026-03-01T02:11:32.000Z</ServerTime>");

      TaskSnapshot again = snapshot(c, taskId);
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

  @Test
  void modelOnTheWrongCreatePathIsRefused() {
    DashScopeClient wrongPaths =
        DashScopeClient.builder()
            .baseUrl(sim.baseUrl())
            .endpoints(m -> io.wanpipeline.wan.catalogue.Endpoint.VIDEO_GENERATION)
            .build();
    WanError e = refused(wrongPaths.submit(KEY, GenerationRequests.kf2v("x"), "req-path-1"));
    assertThat(e.message()).contains("url error, please check url!");
    assertThat(e.retryable()).isFalse();
  }

  @Test
  void unknownKeyIsRefusedWith401AndNoKeyAppearsInTheError() throws Exception {
    ApiKey wrong = new ApiKey("cn-wrong#0", "sk-not-configured-123456");
    WanError e = refused(client.submit(wrong, GenerationRequests.flash("x"), "req-key-1"));
    assertThat(e.httpStatus()).isEqualTo(401);
    assertThat(e.code()).isEqualTo("InvalidApiKey");
    assertThat(e.retryable()).isFalse();
    assertThat(e.message()).doesNotContain(wrong.secret());

    QueryOutcome<TaskSnapshot> q = client.query(wrong, "some-task");
    assertThat(q).isInstanceOf(QueryOutcome.Failed.class);
    assertThat(((QueryOutcome.Failed<TaskSnapshot>) q).error().httpStatus()).isEqualTo(401);

    HttpResponse<String> noHeader =
        plain.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v1/tasks/x")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(noHeader.statusCode()).isEqualTo(401);
    assertThat(noHeader.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).contains("application/json"));
    assertThat(noHeader.body()).contains("\"code\":\"InvalidApiKey\"");
  }

  @Test
  void injectedThrottlingOnTheCreateRouteIsRefusedRetryable() {
    try (WanSimulator faulty =
        WanSimulator.start(
            SimulatorConfig.builder().faults(Route.CREATE, Faults.alwaysThrottle()).build())) {
      WanError e =
          refused(
              SimulatedProvider.dashScopeClient(faulty)
                  .submit(KEY, GenerationRequests.flash("x"), "req-429-2"));
      assertThat(e.throttled()).isTrue();
      assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
      faulty.setFaults(Route.CREATE, Faults.NONE);
      assertThat(
              SimulatedProvider.dashScopeClient(faulty)
                  .submit(KEY, GenerationRequests.flash("x"), "req-429-2"))
          .isInstanceOf(SubmitOutcome.Accepted.class);
      assertThat(faulty.ledger().submissionCount("req-429-2")).isEqualTo(2);
      assertThat(faulty.ledger().maxTasksPerRequestId()).isEqualTo(1);
    }
  }

  @Test
  void aServiceUnavailableOnSubmitIsARetryableRefusalWithNoTask() {
    SubmitOutcome unavailable =
        client.submit(KEY, GenerationRequests.flash("[sim:submit=503]"), "req-503-1");
    assertThat(unavailable).isInstanceOf(SubmitOutcome.Refused.class);
    assertThat(((SubmitOutcome.Refused) unavailable).error().retryable()).isTrue();
    assertThat(sim.ledger().tasksOfRequest("req-503-1")).isEmpty();
  }

  @Test
  void slowAnswerBeyondTheRequestTimeoutIsInDoubt() {
    try (WanSimulator slow =
        WanSimulator.start(
            SimulatorConfig.builder()
                .faults(Route.CREATE, Faults.NONE.withDelay(1.0, Duration.ofSeconds(3)))
                .build())) {
      DashScopeClient impatient =
          DashScopeClient.builder()
              .baseUrl(slow.baseUrl())
              .requestTimeout(Duration.ofMillis(300))
              .build();
      SubmitOutcome o = impatient.submit(KEY, GenerationRequests.flash("x"), "req-slow-1");
      assertThat(o).isInstanceOf(SubmitOutcome.InDoubt.class);
      assertThat(((SubmitOutcome.InDoubt) o).reason()).contains("timeout");
    }
  }

  @Test
  void refusedConnectionIsRetryableAndNotInDoubt() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    DashScopeClient nowhere =
        DashScopeClient.builder().baseUrl("http://127.0.0.1:" + closedPort).build();
    WanError e = refused(nowhere.submit(KEY, GenerationRequests.flash("x"), "req-conn-1"));
    assertThat(e.code()).isEqualTo(DashScopeErrorClassifier.NETWORK);
    assertThat(e.retryable()).isTrue();
    assertThat(e.httpStatus()).isZero();
  }

  @Test
  void malformedQueryAnswerIsARetryableFailure() {
    try (WanSimulator garbled =
        WanSimulator.start(
            SimulatorConfig.builder()
                .faults(Route.QUERY, Faults.NONE.withMalformedRate(1))
                .build())) {
      DashScopeClient c = SimulatedProvider.dashScopeClient(garbled);
      String taskId = accept(c.submit(KEY, GenerationRequests.flash("x"), "req-garbled-1"));
      QueryOutcome<TaskSnapshot> q = c.query(KEY, taskId);
      assertThat(q).isInstanceOf(QueryOutcome.Failed.class);
      WanError e = ((QueryOutcome.Failed<TaskSnapshot>) q).error();
      assertThat(e.code()).isEqualTo(DashScopeErrorClassifier.MALFORMED_RESPONSE);
      assertThat(e.retryable()).isTrue();
      assertThat(e.stage()).isEqualTo(WanError.Stage.QUERY);
    }
  }

  @Test
  void queryServerErrorIsRetryable() {
    try (WanSimulator flaky =
        WanSimulator.start(
            SimulatorConfig.builder()
                .faults(Route.QUERY, Faults.NONE.withUnavailableRate(1))
                .build())) {
      DashScopeClient c = SimulatedProvider.dashScopeClient(flaky);
      String taskId = accept(c.submit(KEY, GenerationRequests.flash("x"), "req-503-q"));
      WanError e = ((QueryOutcome.Failed<TaskSnapshot>) c.query(KEY, taskId)).error();
      assertThat(e.httpStatus()).isEqualTo(503);
      assertThat(e.retryable()).isTrue();
    }
  }

  @Test
  void cancelsAPendingTaskButNotARunningOne() {
    String pending =
        accept(
            client.submit(KEY, GenerationRequests.flash("[sim:pending-forever]"), "req-cancel-1"));
    QueryOutcome<Boolean> ok = client.cancel(KEY, pending);
    assertThat(ok).isEqualTo(new QueryOutcome.Answered<>(Boolean.TRUE));
    TaskSnapshot canceled = snapshot(client, pending);
    assertThat(canceled.status()).isEqualTo(ProviderStatus.CANCELED);
    assertThat(canceled.endTime()).isNotNull();

    String running =
        accept(client.submit(KEY, GenerationRequests.flash("[sim:never-finish]"), "req-cancel-2"));
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> snapshot(client, running).status() == ProviderStatus.RUNNING);
    QueryOutcome<Boolean> refused = client.cancel(KEY, running);
    assertThat(refused).isInstanceOf(QueryOutcome.Failed.class);
    WanError e = ((QueryOutcome.Failed<Boolean>) refused).error();
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.code()).isEqualTo("UnsupportedOperation");
    assertThat(e.message()).contains("PENDING");
    assertThat(e.retryable()).isFalse();
    assertThat(sim.ledger().cancels())
        .extracting(SimulatorLedger.Cancel::taskId, SimulatorLedger.Cancel::canceled)
        .contains(
            org.assertj.core.groups.Tuple.tuple(pending, true),
            org.assertj.core.groups.Tuple.tuple(running, false));
  }

  @Test
  void listsTheAccountsTasksWithFiltersAndPaging() {
    String a = accept(client.submit(KEY, GenerationRequests.flash("list a"), "req-list-1"));
    String b = accept(client.submit(KEY, GenerationRequests.kf2v("list b"), "req-list-2"));
    accept(client.submit(OTHER_ACCOUNT_KEY, GenerationRequests.flash("other"), "req-list-3"));
    Instant now = sim.config().clock().instant();

    TaskPage all =
        answered(
            client.list(
                KEY,
                new TaskListQuery(
                    now.minusSeconds(3600), now.plusSeconds(60), null, null, 1, 100)));
    assertThat(all.tasks()).extracting(TaskPage.Entry::taskId).contains(a, b);
    assertThat(all.tasks())
        .as("only the caller's account")
        .allSatisfy(
            t ->
                assertThat(sim.ledger().task(t.taskId()).orElseThrow().account())
                    .isEqualTo("acct-main"));
    TaskPage.Entry entryB =
        all.tasks().stream().filter(t -> t.taskId().equals(b)).findFirst().orElseThrow();
    assertThat(entryB.model()).isEqualTo("wan2.2-kf2v-flash");
    assertThat(entryB.created()).isNotNull();
    assertThat(entryB.requestId()).isNotBlank();

    TaskPage kf2v =
        answered(
            client.list(
                KEY,
                new TaskListQuery(
                    now.minusSeconds(3600),
                    now.plusSeconds(60),
                    "wan2.2-kf2v-flash",
                    null,
                    1,
                    10)));
    assertThat(kf2v.tasks()).extracting(TaskPage.Entry::taskId).containsExactly(b);

    TaskPage page1 =
        answered(
            client.list(
                KEY,
                new TaskListQuery(now.minusSeconds(3600), now.plusSeconds(60), null, null, 1, 1)));
    assertThat(page1.tasks()).hasSize(1);
    assertThat(page1.pageSize()).isEqualTo(1);
    assertThat(page1.totalPages()).isEqualTo(page1.total()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void legacyUsageWithFractionalSpeechToVideoSecondsIsParsed() {
    try (WanSimulator legacy =
        WanSimulator.start(
            SimulatorConfig.builder()
                .usageStyle(UsageStyle.LEGACY)
                .pendingTime(Duration.ofMillis(50))
                .runningTime(Duration.ofMillis(100))
                .build())) {
      DashScopeClient c = SimulatedProvider.dashScopeClient(legacy);
      String taskId =
          // The length of an s2v video follows its audio: 7.35 s, not a whole number (left to
          // the simulator, 1 task in 100 would get whole seconds and this test nothing to check).
          accept(
              c.submit(
                  KEY, GenerationRequests.s2v("[sim:run-ms=100] [sim:seconds=7.35]"), "req-s2v-1"));
      AtomicReference<TaskSnapshot> last = new AtomicReference<>();
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () -> {
                last.set(snapshot(c, taskId));
                return last.get().status().terminal();
              });
      long expected = legacy.ledger().task(taskId).orElseThrow().usageMillis();
      assertThat(expected).as("s2v seconds are fractional").isEqualTo(7_350);
      assertThat(last.get().usage().videoDurationMillis()).isEqualTo(expected);
      assertThat(last.get().usage().tier()).isEqualTo("480P");
      assertThat(legacy.ledger().task(taskId).orElseThrow().endpointPath())
          .isEqualTo("/api/v1/services/aigc/image2video/video-synthesis");
    }
  }

  private static TaskSnapshot awaitTerminal(String taskId) {
    return Outcomes.awaitTerminal(client, KEY, taskId);
  }

  private static TaskSnapshot snapshot(DashScopeClient c, String taskId) {
    return snapshot(c, KEY, taskId);
  }

  private static TaskSnapshot snapshot(DashScopeClient c, ApiKey key, String taskId) {
    return answered(c.query(key, taskId));
  }

  private static String accept(SubmitOutcome outcome) {
    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    return ((SubmitOutcome.Accepted) outcome).taskId();
  }
}
