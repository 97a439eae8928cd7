package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesis;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisListResult;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisParam;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisResult;
import com.alibaba.dashscope.common.AsyncTaskInfo;
import com.alibaba.dashscope.exception.ApiException;
import com.alibaba.dashscope.exception.InputRequiredException;
import com.alibaba.dashscope.exception.NoApiKeyException;
import com.alibaba.dashscope.task.AsyncTaskListParam;
import com.alibaba.dashscope.utils.Constants;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.UsageStyle;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.wan.testing.SimulatedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official DashScope Java SDK 2.21.0 against the simulator: every call the SDK makes for video
 * synthesis (asyncCall, call, fetch, wait, cancel, list) and every answer it must understand
 * (docs/protocol.md section 4). What passes here is what the SDK accepts. The SDK reads its base
 * URL from a global, restored afterwards; {@code wait} has no timeout in 2.21.0, so it runs on a
 * daemon thread that the test waits for with a bound.
 */
class DashScopeSdkConformanceIT {

  private static final String KEY = "sk-sdk-conformance";
  private static final String LIST_KEY = "sk-sdk-list";
  private static final String FLASH = "wan2.2-i2v-flash";
  private static final String CANCEL_REFUSED =
      "Failed to cancel the task, please confirm if the task is in PENDING status.";

  private static WanSimulator sim;
  private static WanSimulator legacySim;
  private static ExecutorService waiters;
  private static String previousBaseUrl;
  private static String previousApiKey;

  @BeforeAll
  static void start() {
    sim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .apiKey(KEY, "acct-sdk")
                .apiKey(LIST_KEY, "acct-sdk-list")
                .pendingTime(Duration.ofMillis(100))
                .runningTime(Duration.ofMillis(300))
                .build());
    legacySim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .apiKey(KEY, "acct-sdk")
                .usageStyle(UsageStyle.LEGACY)
                .pendingTime(Duration.ofMillis(100))
                .runningTime(Duration.ofMillis(300))
                .build());
    waiters =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "sdk-wait");
              t.setDaemon(true);
              return t;
            });
    previousBaseUrl = Constants.baseHttpApiUrl;
    previousApiKey = Constants.apiKey;
    // Global in 2.21.0: the VideoSynthesis(baseUrl) constructor is ignored on submit.
    Constants.baseHttpApiUrl = apiBase(sim);
    // list(startTime, ...) takes no key parameter.
    Constants.apiKey = KEY;
  }

  @AfterAll
  static void stop() {
    Constants.baseHttpApiUrl = previousBaseUrl;
    Constants.apiKey = previousApiKey;
    waiters.shutdownNow();
    sim.close();
    legacySim.close();
  }

  private static String apiBase(WanSimulator target) {
    return target.baseUrl() + "/api/v1";
  }

  private static VideoSynthesisParam flash(String prompt) {
    return flash(prompt, KEY);
  }

  private static VideoSynthesisParam flash(String prompt, String key) {
    return VideoSynthesisParam.builder()
        .apiKey(key)
        .model(FLASH)
        .prompt(prompt)
        .imgUrl("https://example.com/first-frame.png")
        .resolution("480P")
        .parameter("prompt_extend", false)
        .build();
  }

  /** The SDK's blocking {@code wait}, bounded: 2.21.0 itself never gives up. */
  private static VideoSynthesisResult waitBounded(VideoSynthesis api, String taskId, String key)
      throws Exception {
    return CompletableFuture.supplyAsync(() -> sdkWait(api, taskId, key), waiters)
        .get(30, TimeUnit.SECONDS);
  }

  private static VideoSynthesisResult sdkWait(VideoSynthesis api, String taskId, String key) {
    try {
      return api.wait(taskId, key);
    } catch (NoApiKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs SDK calls against {@code target} by moving the SDK's global base URL there. */
  private static <T> T against(WanSimulator target, Callable<T> calls) throws Exception {
    String before = Constants.baseHttpApiUrl;
    Constants.baseHttpApiUrl = apiBase(target);
    try {
      return calls.call();
    } finally {
      Constants.baseHttpApiUrl = before;
    }
  }

  private static Consumer<ApiException> status(int httpStatus, String code) {
    return e -> {
      assertThat(e.getStatus().getStatusCode()).isEqualTo(httpStatus);
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getRequestId()).as("request_id of the error body").isNotBlank();
    };
  }

  // ------------------------------------------------------------------ submit, fetch, wait

  @Test
  void asyncCallThenFetchUntilSucceededAndTheLinkDownloads() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    VideoSynthesisResult created = api.asyncCall(flash("the cat blinks"));
    String taskId = created.getOutput().getTaskId();
    assertThat(created.getOutput().getTaskStatus()).isEqualTo("PENDING");
    assertThat(created.getRequestId()).isNotBlank();

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> "SUCCEEDED".equals(api.fetch(taskId, KEY).getOutput().getTaskStatus()));

    VideoSynthesisResult done = api.fetch(taskId, KEY);
    assertThat(done.getOutput().getVideoUrl()).contains("/oss/").contains("Signature=");
    assertThat(done.getOutput().getCode()).isNull();
    HttpResponse<byte[]> video =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(done.getOutput().getVideoUrl())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(video.statusCode()).isEqualTo(200);
    assertThat(sim.videoSha256(taskId)).contains(SimulatedProvider.sha256(video.body()));
    assertThat(sim.ledger().task(taskId))
        .hasValueSatisfying(
            t -> {
              assertThat(t.model()).isEqualTo(FLASH);
              assertThat(t.tier())
                  .as("the SDK also sends size=1280*720; the i2v model uses resolution")
                  .isEqualTo("480P");
              assertThat(t.endpointPath())
                  .isEqualTo("/api/v1/services/aigc/video-generation/video-synthesis");
            });
  }

  @Test
  void fetchSeesPendingThenRunningThenSucceeded() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId =
        api.asyncCall(flash("[sim:pending-ms=400] [sim:run-ms=400] three states"))
            .getOutput()
            .getTaskId();

    assertThat(api.fetch(taskId, KEY).getOutput().getTaskStatus()).isEqualTo("PENDING");
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> "RUNNING".equals(api.fetch(taskId, KEY).getOutput().getTaskStatus()));
    VideoSynthesisResult running = api.fetch(taskId, KEY);
    assertThat(running.getOutput().getVideoUrl()).isNull();
    assertThat(running.getUsage()).as("no usage before the end").isNull();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> "SUCCEEDED".equals(api.fetch(taskId, KEY).getOutput().getTaskStatus()));
  }

  @Test
  void waitReturnsTheFinishedTask() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId = api.asyncCall(flash("wait for me")).getOutput().getTaskId();

    VideoSynthesisResult done = waitBounded(api, taskId, KEY);

    assertThat(done.getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    assertThat(done.getOutput().getVideoUrl()).isNotBlank();
    assertThat(sim.ledger().polls(taskId)).isNotEmpty();
  }

  @Test
  void callSubmitsAndWaitsInOne() throws Exception {
    VideoSynthesisResult done =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return new VideoSynthesis().call(flash("call() in one go"));
                  } catch (NoApiKeyException | InputRequiredException e) {
                    throw new IllegalStateException(e);
                  }
                },
                waiters)
            .get(30, TimeUnit.SECONDS);

    assertThat(done.getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    assertThat(sim.ledger().submissions())
        .filteredOn(s -> done.getOutput().getTaskId().equals(s.taskId()))
        .singleElement()
        .satisfies(s -> assertThat(s.httpStatus()).isEqualTo(200));
  }

  @Test
  void waitRetriesA503OnAQuerySilentlyAndStillReturnsSucceeded() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId = api.asyncCall(flash("through a 503")).getOutput().getTaskId();
    // Every query answers 503 (held 20 ms, so the SDK's immediate retries do not spin) until the
    // ledger has seen one for this task.
    sim.setFaults(
        Route.QUERY, Faults.NONE.withUnavailableRate(1).withDelay(1, Duration.ofMillis(20)));
    CompletableFuture<VideoSynthesisResult> waiting;
    try {
      waiting = CompletableFuture.supplyAsync(() -> sdkWait(api, taskId, KEY), waiters);
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> sim.ledger().polls(taskId).stream().anyMatch(p -> p.httpStatus() == 503));
    } finally {
      sim.setFaults(Route.QUERY, Faults.NONE);
    }

    VideoSynthesisResult done = waiting.get(30, TimeUnit.SECONDS);

    assertThat(done.getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    List<SimulatorLedger.Poll> polls = sim.ledger().polls(taskId);
    assertThat(polls.get(0).httpStatus()).as("the first query met the 503").isEqualTo(503);
    assertThat(polls.get(polls.size() - 1).status()).isEqualTo("SUCCEEDED");
    assertThat(polls.get(polls.size() - 1).httpStatus()).isEqualTo(200);
  }

  @Test
  void waitGivesUpOnAThrottledQueryWithTheProvidersCode() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId = api.asyncCall(flash("throttled while waiting")).getOutput().getTaskId();
    sim.setFaults(Route.QUERY, Faults.alwaysThrottle());
    try {
      assertThatThrownBy(() -> api.wait(taskId, KEY))
          .as("2.21.0 retries only 503 and 504")
          .isInstanceOfSatisfying(ApiException.class, status(429, "Throttling.RateQuota"));
    } finally {
      sim.setFaults(Route.QUERY, Faults.NONE);
    }
    assertThat(sim.ledger().polls(taskId)).singleElement();
  }

  @Test
  void unknownTaskIdIsAnsweredUnknownAndWaitReturnsAtOnce() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String ghost = "0385dc79-5ff8-4d82-bcb6-000000000000";

    VideoSynthesisResult fetched = api.fetch(ghost, KEY);
    VideoSynthesisResult waited = waitBounded(api, ghost, KEY);

    assertThat(fetched.getOutput().getTaskId()).isEqualTo(ghost);
    assertThat(fetched.getOutput().getTaskStatus()).isEqualTo("UNKNOWN");
    assertThat(waited.getOutput().getTaskStatus()).isEqualTo("UNKNOWN");
    assertThat(sim.ledger().polls(ghost)).hasSize(2);
  }

  @Test
  void markedTaskEndsFailedWithTheOutputCodeAndMessage() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId =
        api.asyncCall(flash("[sim:fail=DataInspectionFailed] a cat")).getOutput().getTaskId();

    VideoSynthesisResult done = waitBounded(api, taskId, KEY);

    assertThat(done.getOutput().getTaskStatus())
        .as("a FAILED task is an answer, not an ApiException")
        .isEqualTo("FAILED");
    assertThat(done.getOutput().getCode()).isEqualTo("DataInspectionFailed");
    assertThat(done.getOutput().getMessage()).isNotBlank();
    assertThat(done.getOutput().getVideoUrl()).isNull();
    assertThat(done.getUsage()).as("failed tasks are not billed").isNull();
  }

  // ------------------------------------------------------------------ error bodies

  @Test
  void unknownModelIsAnApiExceptionWith400InvalidParameter() {
    VideoSynthesisParam param =
        VideoSynthesisParam.builder()
            .apiKey(KEY)
            .model("wan0.1-i2v-nonexistent")
            .prompt("x")
            .imgUrl("https://example.com/first-frame.png")
            .build();

    assertThatThrownBy(() -> new VideoSynthesis().asyncCall(param))
        .isInstanceOfSatisfying(
            ApiException.class,
            status(400, "InvalidParameter")
                .andThen(
                    e -> assertThat(e.getStatus().getMessage()).isEqualTo("Model not exist.")));
  }

  @Test
  void unsupportedParameterIsA400InvalidParameterNamingIt() {
    VideoSynthesisParam param =
        VideoSynthesisParam.builder()
            .apiKey(KEY)
            .model(FLASH)
            .prompt("too sharp")
            .imgUrl("https://example.com/first-frame.png")
            .resolution("1080P")
            .build();

    assertThatThrownBy(() -> new VideoSynthesis().asyncCall(param))
        .isInstanceOfSatisfying(
            ApiException.class,
            status(400, "InvalidParameter")
                .andThen(
                    e -> assertThat(e.getStatus().getMessage()).contains("resolution", "1080P")));
  }

  @Test
  void wrongKeyIsA401InvalidApiKeyOnEveryCall() {
    VideoSynthesis api = new VideoSynthesis();
    Consumer<ApiException> invalidKey =
        status(401, "InvalidApiKey")
            .andThen(
                e ->
                    assertThat(e.getStatus().getMessage())
                        .isEqualTo("Invalid API-key provided.")
                        .doesNotContain("sk-wrong"));

    assertThatThrownBy(() -> api.asyncCall(flash("x", "sk-wrong")))
        .isInstanceOfSatisfying(ApiException.class, invalidKey);
    assertThatThrownBy(() -> api.fetch("0385dc79-5ff8-4d82-bcb6-000000000001", "sk-wrong"))
        .isInstanceOfSatisfying(ApiException.class, invalidKey);
    assertThatThrownBy(() -> api.wait("0385dc79-5ff8-4d82-bcb6-000000000001", "sk-wrong"))
        .as("wait does not retry a 401")
        .isInstanceOfSatisfying(ApiException.class, invalidKey);
    assertThatThrownBy(() -> api.cancel("0385dc79-5ff8-4d82-bcb6-000000000001", "sk-wrong"))
        .isInstanceOfSatisfying(ApiException.class, invalidKey);
  }

  // ------------------------------------------------------------------ cancel

  @Test
  void cancelsAPendingTask() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String pending = api.asyncCall(flash("[sim:pending-forever]")).getOutput().getTaskId();

    VideoSynthesisResult canceled = api.cancel(pending, KEY);

    assertThat(canceled.getRequestId()).isNotBlank();
    assertThat(api.fetch(pending, KEY).getOutput().getTaskStatus()).isEqualTo("CANCELED");
    assertThat(waitBounded(api, pending, KEY).getOutput().getTaskStatus())
        .as("CANCELED ends wait")
        .isEqualTo("CANCELED");
    assertThat(sim.ledger().cancels())
        .filteredOn(c -> c.taskId().equals(pending))
        .singleElement()
        .satisfies(c -> assertThat(c.canceled()).isTrue());
  }

  @Test
  void refusesToCancelARunningOrFinishedTaskWithTheRealMessage() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String running = api.asyncCall(flash("[sim:never-finish]")).getOutput().getTaskId();
    String finished = api.asyncCall(flash("done already")).getOutput().getTaskId();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> "RUNNING".equals(api.fetch(running, KEY).getOutput().getTaskStatus()));
    assertThat(waitBounded(api, finished, KEY).getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    Consumer<ApiException> refused =
        status(400, "UnsupportedOperation")
            .andThen(e -> assertThat(e.getStatus().getMessage()).isEqualTo(CANCEL_REFUSED));

    assertThatThrownBy(() -> api.cancel(running, KEY))
        .isInstanceOfSatisfying(ApiException.class, refused);
    assertThatThrownBy(() -> api.cancel(finished, KEY))
        .isInstanceOfSatisfying(ApiException.class, refused);
    assertThat(api.fetch(running, KEY).getOutput().getTaskStatus()).isEqualTo("RUNNING");
  }

  // ------------------------------------------------------------------ list

  @Test
  void listsTheKeysAccountWithModelStatusTimeWindowAndPaging() throws Exception {
    Instant before = Instant.now().minusSeconds(2);
    VideoSynthesis api = new VideoSynthesis();
    VideoSynthesis kf2v = new VideoSynthesis();
    String queued =
        api.asyncCall(flash("[sim:pending-forever] listed 1", LIST_KEY)).getOutput().getTaskId();
    String done = api.asyncCall(flash("listed 2", LIST_KEY)).getOutput().getTaskId();
    String frames =
        kf2v.asyncCall(
                VideoSynthesisParam.builder()
                    .apiKey(LIST_KEY)
                    .model("wan2.2-kf2v-flash")
                    .prompt("listed 3")
                    .firstFrameUrl("https://example.com/dawn.png")
                    .lastFrameUrl("https://example.com/dusk.png")
                    .resolution("720P")
                    .build())
            .getOutput()
            .getTaskId();
    assertThat(waitBounded(api, done, LIST_KEY).getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    assertThat(waitBounded(kf2v, frames, LIST_KEY).getOutput().getTaskStatus())
        .isEqualTo("SUCCEEDED");
    Instant after = Instant.now().plusSeconds(2);

    VideoSynthesisListResult all = api.list(listOf().pageSize(10).build());
    assertThat(all.getData())
        .as("only the key's account")
        .extracting(AsyncTaskInfo::getTaskId)
        .containsExactlyInAnyOrder(queued, done, frames);
    assertThat(all.getTotal()).isEqualTo(3);
    assertThat(all.getTotalPage()).isEqualTo(1);
    assertThat(all.getPageNo()).isEqualTo(1);
    assertThat(all.getPageSize()).isEqualTo(10);
    assertThat(all.getRequestId()).isNotBlank();
    AsyncTaskInfo succeeded =
        all.getData().stream().filter(i -> i.getTaskId().equals(done)).findFirst().orElseThrow();
    assertThat(succeeded.getModelName()).isEqualTo(FLASH);
    assertThat(succeeded.getStatus()).isEqualTo("SUCCEEDED");
    assertThat(succeeded.getGmtCreate())
        .as("epoch millis")
        .isBetween(before.toEpochMilli(), after.toEpochMilli());
    assertThat(succeeded.getEndTime()).isGreaterThanOrEqualTo(succeeded.getStartTime());
    assertThat(succeeded.getUserApiUniqueKey()).contains("video-generation");

    assertThat(api.list(listOf().modelName(FLASH).build()).getData())
        .extracting(AsyncTaskInfo::getTaskId)
        .containsExactlyInAnyOrder(queued, done);
    assertThat(api.list(listOf().status("PENDING").build()).getData())
        .extracting(AsyncTaskInfo::getTaskId)
        .containsExactly(queued);
    assertThat(api.list(listOf().status("SUCCEEDED").build()).getData())
        .extracting(AsyncTaskInfo::getTaskId)
        .containsExactlyInAnyOrder(done, frames);
    assertThat(
            api.list(listOf().modelName("wan2.2-kf2v-flash").status("SUCCEEDED").build()).getData())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.getTaskId()).isEqualTo(frames);
              assertThat(i.getUserApiUniqueKey()).contains("image2video");
            });
    assertThat(api.list(listOf().modelName(FLASH).status("RUNNING").build()).getTotal()).isZero();

    VideoSynthesisListResult inWindow =
        api.list(
            listOf()
                .startTime(ChinaTime.formatListFilter(before))
                .endTime(ChinaTime.formatListFilter(after))
                .build());
    assertThat(inWindow.getTotal()).isEqualTo(3);
    VideoSynthesisListResult later =
        api.list(
            listOf()
                .startTime(ChinaTime.formatListFilter(after.plusSeconds(60)))
                .endTime(ChinaTime.formatListFilter(after.plusSeconds(3600)))
                .build());
    assertThat(later.getTotal()).isZero();
    assertThat(later.getData()).isEmpty();

    VideoSynthesisListResult first = api.list(listOf().pageSize(2).pageNo(1).build());
    VideoSynthesisListResult second = api.list(listOf().pageSize(2).pageNo(2).build());
    assertThat(first.getTotal()).isEqualTo(3);
    assertThat(first.getTotalPage()).isEqualTo(2);
    assertThat(first.getData()).hasSize(2);
    assertThat(second.getPageNo()).isEqualTo(2);
    assertThat(second.getData()).hasSize(1);
    assertThat(second.getData().get(0).getTaskId())
        .isNotIn(first.getData().stream().map(AsyncTaskInfo::getTaskId).toList());
  }

  @Test
  void listWithoutAKeyParameterUsesTheSdksGlobalKey() throws Exception {
    String taskId = new VideoSynthesis().asyncCall(flash("global key")).getOutput().getTaskId();

    VideoSynthesisListResult page =
        new VideoSynthesis().list(null, null, FLASH, null, null, null, 1, 100);

    assertThat(page.getData()).extracting(AsyncTaskInfo::getTaskId).contains(taskId);
    assertThat(sim.ledger().lists())
        .last()
        .satisfies(l -> assertThat(l.account()).isEqualTo("acct-sdk"));
  }

  private static AsyncTaskListParam.AsyncTaskListParamBuilder<?, ?> listOf() {
    return AsyncTaskListParam.builder().apiKey(LIST_KEY);
  }

  // ------------------------------------------------------------------ kf2v

  @Test
  void firstAndLastFrameModelGoesToTheImage2VideoPath() throws Exception {
    // One VideoSynthesis per model family: kf2v switches the instance's path for good.
    VideoSynthesis kf2v = new VideoSynthesis();
    VideoSynthesisParam param =
        VideoSynthesisParam.builder()
            .apiKey(KEY)
            .model("wan2.2-kf2v-flash")
            .prompt("from dawn to dusk")
            .firstFrameUrl("https://example.com/dawn.png")
            .lastFrameUrl("https://example.com/dusk.png")
            .resolution("720P")
            .build();

    String taskId = kf2v.asyncCall(param).getOutput().getTaskId();

    assertThat(sim.ledger().task(taskId))
        .hasValueSatisfying(
            t -> {
              assertThat(t.endpointPath())
                  .isEqualTo("/api/v1/services/aigc/image2video/video-synthesis");
              assertThat(t.tier()).isEqualTo("720P");
            });
    assertThat(waitBounded(kf2v, taskId, KEY).getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
  }

  // ------------------------------------------------------------------ usage

  @Test
  void withTheCurrentUsageStyleTheSdkSeesOnlyTheVideoCount() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId = api.asyncCall(flash("current usage")).getOutput().getTaskId();

    VideoSynthesisResult done = waitBounded(api, taskId, KEY);

    assertThat(done.getUsage().getVideoCount()).isEqualTo(1);
    assertThat(done.getUsage().getVideoDuration())
        .as("2.21.0 binds only video_duration; usage.duration and SR are dropped")
        .isNull();
    assertThat(done.getUsage().getVideoRatio()).isNull();
  }

  @Test
  void withTheLegacyUsageStyleTheSdkReadsSecondsAndSize() throws Exception {
    VideoSynthesisResult done =
        against(
            legacySim,
            () -> {
              VideoSynthesis api = new VideoSynthesis();
              String taskId = api.asyncCall(flash("legacy usage")).getOutput().getTaskId();
              return waitBounded(api, taskId, KEY);
            });

    assertThat(done.getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    assertThat(done.getUsage().getVideoDuration()).isEqualTo(5);
    assertThat(done.getUsage().getVideoCount()).isEqualTo(1);
    assertThat(done.getUsage().getVideoRatio())
        .as("the 480P output's size, not the size=1280*720 the SDK sends to every model")
        .isEqualTo("832*480");
  }

  @Test
  void fractionalLegacySecondsAreTruncatedByTheSdksIntegerField() throws Exception {
    VideoSynthesisResult done =
        against(
            legacySim,
            () -> {
              VideoSynthesis api = new VideoSynthesis();
              String taskId =
                  api.asyncCall(flash("[sim:seconds=10.73] fractional")).getOutput().getTaskId();
              return waitBounded(api, taskId, KEY);
            });

    assertThat(done.getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    assertThat(done.getUsage().getVideoDuration())
        .as("video_duration 10.73 bound to Integer by 2.21.0: cut to whole seconds")
        .isEqualTo(10);
  }
}
