package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.testing.GenerationRequests;
import io.wanpipeline.wan.testing.SimulatedProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jcodec.api.FrameGrab;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.jcodec.common.model.Picture;
import org.junit.jupiter.api.Test;

/** Behaviour of the simulator itself: queues, limits, retention, faults, video and ledger. */
class WanSimulatorIT {

  private static final ApiKey KEY = new ApiKey("k#0", "sk-sim-it");
  private static final Instant T0 = Instant.parse("2026-05-01T04:00:00Z");
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper mapper = new ObjectMapper();

  private static SimulatorConfig.Builder clocked(AdjustableClock clock) {
    return SimulatorConfig.builder()
        .clock(clock)
        .pendingTime(Duration.ofSeconds(1))
        .runningTime(Duration.ofSeconds(10));
  }

  private static DashScopeClient client(WanSimulator sim) {
    return DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
  }

  private static String submit(WanClient c, String prompt, String requestId) {
    SubmitOutcome o = c.submit(KEY, GenerationRequests.flash(prompt), requestId);
    assertThat(o).isInstanceOf(SubmitOutcome.Accepted.class);
    return ((SubmitOutcome.Accepted) o).taskId();
  }

  private static TaskSnapshot query(WanClient c, String taskId) {
    QueryOutcome<TaskSnapshot> q = c.query(KEY, taskId);
    assertThat(q).isInstanceOf(QueryOutcome.Answered.class);
    return ((QueryOutcome.Answered<TaskSnapshot>) q).value();
  }

  @Test
  void protocolTableCapsConcurrencyPerAccountAndModel() {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      DashScopeClient c = client(sim);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(submit(c, "queue " + i, "req-cap-" + i));
      }
      clock.advance(Duration.ofSeconds(2));

      assertThat(ids.stream().map(id -> query(c, id).status()))
          .as("wan2.2-i2v-flash runs 2 at a time (docs/protocol.md 1.9)")
          .containsExactly(ProviderStatus.RUNNING, ProviderStatus.RUNNING, ProviderStatus.PENDING);
      clock.advance(Duration.ofSeconds(10));
      assertThat(query(c, ids.get(2)).status()).isEqualTo(ProviderStatus.RUNNING);
      assertThat(query(c, ids.get(2)).scheduledTime()).isEqualTo(T0.plusSeconds(11));
    }
  }

  @Test
  void configuredCapOverridesTheTable() {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim =
        WanSimulator.start(clocked(clock).concurrencyCap("wan2.2-i2v-flash", 1).build())) {
      DashScopeClient c = client(sim);
      String a = submit(c, "a", "req-a");
      String b = submit(c, "b", "req-b");
      clock.advance(Duration.ofSeconds(5));
      assertThat(query(c, a).status()).isEqualTo(ProviderStatus.RUNNING);
      assertThat(query(c, b).status()).isEqualTo(ProviderStatus.PENDING);
    }
  }

  @Test
  void answersCarryTheRealFieldSetsPerStateInChinaTime() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      String taskId = submit(client(sim), "fields", "req-fields");
      JsonNode pending = rawQuery(sim, taskId);
      assertThat(pending.get("output").get("submit_time").asText())
          .isEqualTo("2026-05-01 12:00:00.000");
      assertThat(pending.get("output").has("scheduled_time")).isFalse();
      assertThat(pending.has("usage")).isFalse();

      clock.advance(Duration.ofSeconds(2));
      JsonNode running = rawQuery(sim, taskId);
      assertThat(running.get("output").get("scheduled_time").asText())
          .isEqualTo("2026-05-01 12:00:01.000");
      assertThat(running.get("output").has("end_time")).isFalse();

      clock.advance(Duration.ofSeconds(10));
      JsonNode done = rawQuery(sim, taskId);
      assertThat(done.get("output").get("end_time").asText()).isEqualTo("2026-05-01 12:00:11.000");
      assertThat(done.get("output").get("video_url").asText()).contains("/20260501/");
      assertThat(done.get("output").get("orig_prompt").asText()).isEqualTo("fields");
      assertThat(done.get("usage").get("SR").asInt()).isEqualTo(480);
      assertThat(done.get("usage").get("duration").asInt()).isEqualTo(5);
      assertThat(done.get("usage").get("video_count").asInt()).isEqualTo(1);
    }
  }

  @Test
  void legacyUsageStyleAnswersVideoDurationAndVideoRatioWithFractionalSeconds() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim =
        WanSimulator.start(clocked(clock).usageStyle(UsageStyle.LEGACY).build())) {
      DashScopeClient c = client(sim);
      String whole = submit(c, "whole", "req-legacy-1");
      String fractional = submit(c, "[sim:seconds=10.23] fractional", "req-legacy-2");
      clock.advance(Duration.ofSeconds(12));

      JsonNode usage = rawQuery(sim, whole).get("usage");
      assertThat(usage.get("video_duration").isIntegralNumber()).isTrue();
      assertThat(usage.get("video_duration").asInt()).isEqualTo(5);
      assertThat(usage.get("video_ratio").asText()).isEqualTo("832*480");
      assertThat(usage.get("video_count").asInt()).isEqualTo(1);
      assertThat(usage.has("duration")).as("no current-generation names").isFalse();
      assertThat(usage.has("SR")).isFalse();
      JsonNode fractionalAnswer = rawQuery(sim, fractional);
      assertThat(fractionalAnswer.get("usage").get("video_duration").decimalValue())
          .isEqualByComparingTo("10.23");
      TaskSnapshot parsed = TaskResponseParser.snapshot(fractionalAnswer);
      assertThat(parsed.usage().videoDurationMillis()).isEqualTo(10_230);
      assertThat(parsed.usage().tier()).isEqualTo("480P");
    }
  }

  @Test
  void currentUsageStyleAnswersDurationAndSrWithFractionalSeconds() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      String taskId = submit(client(sim), "[sim:seconds=7.25] current", "req-current-1");
      clock.advance(Duration.ofSeconds(12));

      JsonNode answer = rawQuery(sim, taskId);
      JsonNode usage = answer.get("usage");
      assertThat(usage.get("duration").decimalValue()).isEqualByComparingTo("7.25");
      assertThat(usage.get("SR").asInt()).isEqualTo(480);
      assertThat(usage.has("video_duration")).as("no legacy names").isFalse();
      assertThat(TaskResponseParser.snapshot(answer).usage().videoDurationMillis())
          .isEqualTo(7_250);
    }
  }

  @Test
  void failedAndCanceledAnswersCarryTheirOwnFieldSets() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      DashScopeClient c = client(sim);
      String failed = submit(c, "[sim:fail=InvalidImageUrl] broken", "req-failed-shape");
      String canceled = submit(c, "[sim:pending-forever] waiting", "req-canceled-shape");
      assertThat(c.cancel(KEY, canceled)).isInstanceOf(QueryOutcome.Answered.class);
      clock.advance(Duration.ofSeconds(12));

      JsonNode f = rawQuery(sim, failed).get("output");
      assertThat(f.get("task_status").asText()).isEqualTo("FAILED");
      assertThat(f.get("code").asText()).isEqualTo("InvalidImageUrl");
      assertThat(f.get("message").asText()).isNotBlank();
      assertThat(f.get("submit_time").asText()).isEqualTo("2026-05-01 12:00:00.000");
      assertThat(f.get("scheduled_time").asText()).isEqualTo("2026-05-01 12:00:01.000");
      assertThat(f.get("end_time").asText()).matches("2026-05-01 12:00:\\d\\d\\.\\d{3}");
      assertThat(f.has("video_url")).isFalse();
      assertThat(rawQuery(sim, failed).has("usage")).as("failed tasks are not billed").isFalse();

      JsonNode x = rawQuery(sim, canceled).get("output");
      assertThat(x.get("task_status").asText()).isEqualTo("CANCELED");
      assertThat(x.has("submit_time")).isTrue();
      assertThat(x.has("end_time")).isTrue();
      assertThat(x.has("scheduled_time")).as("it never ran").isFalse();
      assertThat(x.has("code")).isFalse();
    }
  }

  @Test
  void unknownIdsAnswer200WithOnlyTaskIdAndStatus() throws Exception {
    try (WanSimulator sim = WanSimulator.start()) {
      JsonNode answer = rawQuery(sim, "1111");

      assertThat(answer.get("request_id").asText()).isNotBlank();
      assertThat(answer.get("output").size()).isEqualTo(2);
      assertThat(answer.get("output").get("task_id").asText()).isEqualTo("1111");
      assertThat(answer.get("output").get("task_status").asText()).isEqualTo("UNKNOWN");
      assertThat(answer.has("usage")).isFalse();
    }
  }

  @Test
  void arrearageRefusalEndsInAHelpLinkAndIsRefusedForGood() throws Exception {
    try (WanSimulator sim = WanSimulator.start()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          sim.baseUrl() + "/api/v1/services/aigc/video-generation/video-synthesis"))
                  .header("Authorization", "Bearer " + KEY.secret())
                  .header("Content-Type", "application/json")
                  .header("X-DashScope-Async", "enable")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"wan2.2-i2v-flash\",\"input\":{\"prompt\":\"[sim:submit=arrearage]\","
                              + "\"img_url\":\"https://example.com/cat.png\"},"
                              + "\"parameters\":{\"resolution\":\"480P\"}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
      JsonNode body = mapper.readTree(r.body());
      assertThat(body.get("code").asText()).isEqualTo("Arrearage");
      assertThat(body.get("message").asText())
          .startsWith("Access denied")
          .endsWith("https://help.aliyun.com/zh/model-studio/error-code#overdue-payment");

      SubmitOutcome viaClient =
          client(sim)
              .submit(KEY, GenerationRequests.flash("[sim:submit=arrearage]"), "req-arrears");
      assertThat(viaClient).isInstanceOf(SubmitOutcome.Refused.class);
      WanError error = ((SubmitOutcome.Refused) viaClient).error();
      assertThat(error.code()).isEqualTo("Arrearage");
      assertThat(error.retryable()).as("an overdue account is not fixed by retrying").isFalse();
      assertThat(error.message()).contains("overdue-payment");
      assertThat(sim.ledger().submissions("req-arrears"))
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.httpStatus()).isEqualTo(400);
                assertThat(s.code()).isEqualTo("Arrearage");
                assertThat(s.taskId()).isNull();
              });
    }
  }

  @Test
  void tasksBecomeUnknownAfterRetentionAndLeaveTheList() {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      DashScopeClient c = client(sim);
      String taskId = submit(c, "old", "req-old");
      clock.advance(Duration.ofSeconds(12));
      assertThat(query(c, taskId).status()).isEqualTo(ProviderStatus.SUCCEEDED);

      clock.advance(Duration.ofHours(24));

      assertThat(query(c, taskId).status()).isEqualTo(ProviderStatus.UNKNOWN);
      QueryOutcome<TaskPage> page =
          c.list(
              KEY,
              new TaskListQuery(
                  T0.minusSeconds(60), T0.plus(Duration.ofHours(23)), null, null, 1, 10));
      assertThat(((QueryOutcome.Answered<TaskPage>) page).value().tasks()).isEmpty();
      assertThat(sim.ledger().task(taskId).orElseThrow().state()).isEqualTo("UNKNOWN");
    }
  }

  @Test
  void createWithoutTheAsyncHeaderIsRefusedLikeTheService() throws Exception {
    try (WanSimulator sim = WanSimulator.start()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          sim.baseUrl() + "/api/v1/services/aigc/video-generation/video-synthesis"))
                  .header("Authorization", "Bearer sk-any")
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"wan2.2-i2v-flash\",\"input\":{}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(403);
      JsonNode body = mapper.readTree(r.body());
      assertThat(body.get("code").asText()).isEqualTo("AccessDenied");
      assertThat(body.get("message").asText())
          .isEqualTo("current user api does not support synchronous calls");
      assertThat(body.get("request_id").asText()).isNotBlank();
    }
  }

  @Test
  void enforcedLimitsThrottleSubmissionBurstsAndQueryFloods() {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim =
        WanSimulator.start(clocked(clock).enforceRateLimits(true).queryQpsPerAccount(3).build())) {
      DashScopeClient c = client(sim);
      String first = submit(c, "1", "req-rps-1");
      submit(c, "2", "req-rps-2");
      SubmitOutcome third = c.submit(KEY, GenerationRequests.flash("3"), "req-rps-3");
      assertThat(third).isInstanceOf(SubmitOutcome.Refused.class);
      assertThat(((SubmitOutcome.Refused) third).error().code()).isEqualTo("Throttling.RateQuota");
      clock.advance(Duration.ofSeconds(1));
      submit(c, "3", "req-rps-3");

      for (int i = 0; i < 3; i++) {
        assertThat(c.query(KEY, first)).isInstanceOf(QueryOutcome.Answered.class);
      }
      QueryOutcome<TaskSnapshot> flooded = c.query(KEY, first);
      assertThat(flooded).isInstanceOf(QueryOutcome.Failed.class);
      assertThat(((QueryOutcome.Failed<TaskSnapshot>) flooded).error().throttled()).isTrue();
    }
  }

  @Test
  void faultsAreTheSameForTheSameSeed() {
    Faults half = Faults.NONE.withThrottleRate(0.3).withInternalErrorRate(0.2);
    assertThat(outcomes(5, half)).isEqualTo(outcomes(5, half));
    assertThat(outcomes(5, half)).isNotEqualTo(outcomes(6, half));
  }

  private List<String> outcomes(long seed, Faults faults) {
    try (WanSimulator sim =
        WanSimulator.start(
            SimulatorConfig.builder().seed(seed).faults(Route.CREATE, faults).build())) {
      DashScopeClient c = client(sim);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        out.add(
            c.submit(KEY, GenerationRequests.flash("x"), "req-seed-" + i)
                .getClass()
                .getSimpleName());
      }
      return out;
    }
  }

  @Test
  void servedVideoIsAPlayableH264Mp4OfTheRequestedSize() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      DashScopeClient c = client(sim);
      String small = submit(c, "small", "req-mp4-1");
      String large = submit(c, "large [sim:video-bytes=4194304]", "req-mp4-2");
      clock.advance(Duration.ofSeconds(12));

      byte[] smallBytes = download(query(c, small));
      byte[] largeBytes = download(query(c, large));

      assertThat(largeBytes).hasSize(4_194_304);
      assertThat(sim.videoLength(large)).contains(4_194_304L);
      assertThat(sim.videoSha256(large)).contains(SimulatedProvider.sha256(largeBytes));
      for (byte[] bytes : List.of(smallBytes, largeBytes)) {
        FrameGrab grab =
            FrameGrab.createFrameGrab(
                ByteBufferSeekableByteChannel.readFromByteBuffer(ByteBuffer.wrap(bytes)));
        int frames = 0;
        Picture p;
        while ((p = grab.getNativeFrame()) != null) {
          assertThat(p.getWidth()).isEqualTo(160);
          frames++;
        }
        assertThat(frames).as("decodable H.264 frames").isEqualTo(25);
      }
      assertThat(sim.videoSha256(small)).isNotEqualTo(sim.videoSha256(large));
    }
  }

  @Test
  void truncatedDownloadBreaksTheConnectionMidBody() {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim =
        WanSimulator.start(
            clocked(clock).faults(Route.DOWNLOAD, Faults.NONE.withMalformedRate(1)).build())) {
      DashScopeClient c = client(sim);
      String taskId = submit(c, "cut", "req-cut");
      clock.advance(Duration.ofSeconds(12));
      TaskSnapshot done = query(c, taskId);
      assertThatThrownBy(() -> download(done)).isInstanceOf(IOException.class);
      assertThat(sim.ledger().downloads(taskId))
          .singleElement()
          .satisfies(d -> assertThat(d.refusal()).isEqualTo("truncated"));
    }
  }

  @Test
  void ledgerMeasuresPollSpacingAndRateAndIsServedAsJson() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      DashScopeClient c = client(sim);
      String a = submit(c, "a", "req-ledger-1");
      String b = submit(c, "b", "req-ledger-2");
      query(c, a);
      clock.advance(Duration.ofMillis(3_000));
      query(c, a);
      query(c, b);
      clock.advance(Duration.ofMillis(400));
      query(c, a);
      query(c, b);

      assertThat(sim.ledger().minPollGap(a)).contains(Duration.ofMillis(400));
      assertThat(sim.ledger().minPollGap(b)).contains(Duration.ofMillis(400));
      assertThat(sim.ledger().minPollGap()).contains(Duration.ofMillis(400));
      assertThat(sim.ledger().maxPollsPerSecond(SimulatorConfig.DEFAULT_ACCOUNT)).isEqualTo(4);
      assertThat(sim.ledger().polls(a))
          .allSatisfy(p -> assertThat(p.keyId()).isEqualTo(SimulatorLedger.keyId(KEY.secret())));
      assertThat(sim.ledger().maxSubmissionsPerRequestId()).isEqualTo(1);

      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/__sim/ledger")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).doesNotContain(KEY.secret());
      JsonNode json = mapper.readTree(r.body());
      assertThat(json.get("submissionsByRequestId").get("req-ledger-1").get("count").asInt())
          .isEqualTo(1);
      assertThat(json.get("polls")).hasSize(5);
      assertThat(json.get("tasks")).hasSize(2);
      assertThat(json.get("summary").get("minPollGapMillis").asLong()).isEqualTo(400);
      assertThat(json.get("tasks").get(0).get("model").asText()).isEqualTo("wan2.2-i2v-flash");
    }
  }

  private JsonNode rawQuery(WanSimulator sim, String taskId) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v1/tasks/" + taskId))
                .header("Authorization", "Bearer " + KEY.secret())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return mapper.readTree(r.body());
  }

  private byte[] download(TaskSnapshot done) throws IOException, InterruptedException {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(done.videoUrl().uri()).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  @Test
  void setResultLinkMakesTheTaskAnswerAnyUrl() {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).build())) {
      DashScopeClient c = client(sim);
      String taskId = submit(c, "any link", "req-any-link");
      String other = submit(c, "own link", "req-own-link");
      sim.setResultLink(taskId, "http://169.254.169.254/latest/meta-data/?x=1");
      clock.advance(Duration.ofSeconds(30));

      assertThat(query(c, taskId).videoUrl().uri())
          .isEqualTo(URI.create("http://169.254.169.254/latest/meta-data/?x=1"));
      assertThat(query(c, other).videoUrl().uri().toString()).startsWith(sim.baseUrl() + "/oss/");
    }
  }

  @Test
  void redirectResponderAnswers302ToTheGivenUrl() throws Exception {
    try (WanSimulator sim = WanSimulator.start()) {
      String to = "http://127.0.0.1:1/a.mp4?Signature=x&y=1";
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          sim.baseUrl()
                              + "/__sim/redirect?to="
                              + java.net.URLEncoder.encode(
                                  to, java.nio.charset.StandardCharsets.UTF_8)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> missing =
          http.send(
              HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/__sim/redirect")).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(302);
      assertThat(r.headers().firstValue("location")).contains(to);
      assertThat(missing.statusCode()).isEqualTo(400);
    }
  }

  @Test
  void httpsLinksAreServedOverTlsWithTheExposedTrustStore() throws Exception {
    AdjustableClock clock = new AdjustableClock(T0);
    try (WanSimulator sim = WanSimulator.start(clocked(clock).httpsLinks(true).build())) {
      DashScopeClient c = client(sim);
      String taskId = submit(c, "tls link", "req-tls-link");
      clock.advance(Duration.ofSeconds(30));
      URI link = query(c, taskId).videoUrl().uri();
      WanSimulator.LinkTrustStore store = sim.linkTrustStore().orElseThrow();
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      try (var in = java.nio.file.Files.newInputStream(store.path())) {
        trust.load(in, store.password().toCharArray());
      }
      javax.net.ssl.TrustManagerFactory tmf =
          javax.net.ssl.TrustManagerFactory.getInstance(
              javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      HttpClient trusting = HttpClient.newBuilder().sslContext(tls).build();

      HttpResponse<byte[]> video =
          trusting.send(
              HttpRequest.newBuilder(link).build(), HttpResponse.BodyHandlers.ofByteArray());
      HttpResponse<String> api =
          trusting.send(
              HttpRequest.newBuilder(URI.create(sim.linkBase() + "/api/v1/tasks/" + taskId))
                  .header("Authorization", "Bearer " + KEY.secret())
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(link.getScheme()).isEqualTo("https");
      assertThat(link.toString()).startsWith(sim.linkBase() + "/oss/");
      assertThat(video.statusCode()).isEqualTo(200);
      assertThat(video.body()).hasSize((int) (long) sim.videoLength(taskId).orElseThrow());
      assertThat(api.statusCode()).as("only /oss/ on the TLS connector").isEqualTo(404);
      assertThat(sim.archiverLinkSettings())
          .containsEntry("archiver.link-hosts", sim.linkBase())
          .containsEntry("archiver.link-allow-http", "false")
          .containsEntry("archiver.link-trust-store", store.path().toString());
      assertThatThrownBy(
              () ->
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(link).build(),
                          HttpResponse.BodyHandlers.discarding()))
          .as("the JDK's default trust does not accept the self-signed certificate")
          .isInstanceOf(IOException.class);
    }
  }
}
