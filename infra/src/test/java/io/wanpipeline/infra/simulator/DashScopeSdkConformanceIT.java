package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesis;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisListResult;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisParam;
import com.alibaba.dashscope.aigc.videosynthesis.VideoSynthesisResult;
import com.alibaba.dashscope.common.AsyncTaskInfo;
import com.alibaba.dashscope.exception.ApiException;
import com.alibaba.dashscope.task.AsyncTaskListParam;
import com.alibaba.dashscope.utils.Constants;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official DashScope Java SDK 2.21.0 against the simulator: what passes here is what the SDK
 * (and so the real service's protocol) accepts. The SDK reads its base URL and list key from
 * globals, restored afterwards.
 */
class DashScopeSdkConformanceIT {

  private static final String KEY = "sk-sdk-conformance";

  private static WanSimulator sim;
  private static String previousBaseUrl;
  private static String previousApiKey;

  @BeforeAll
  static void start() {
    sim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .apiKey(KEY, "acct-sdk")
                .pendingTime(Duration.ofMillis(100))
                .runningTime(Duration.ofMillis(300))
                .build());
    previousBaseUrl = Constants.baseHttpApiUrl;
    previousApiKey = Constants.apiKey;
    // Global in 2.21.0: the VideoSynthesis(baseUrl) constructor is ignored on submit.
    Constants.baseHttpApiUrl = sim.baseUrl() + "/api/v1";
    // list(...) takes no key parameter.
    Constants.apiKey = KEY;
  }

  @AfterAll
  static void stop() {
    Constants.baseHttpApiUrl = previousBaseUrl;
    Constants.apiKey = previousApiKey;
    sim.close();
  }

  private static VideoSynthesisParam flash(String prompt) {
    return VideoSynthesisParam.builder()
        .apiKey(KEY)
        .model("wan2.2-i2v-flash")
        .prompt(prompt)
        .imgUrl("https://example.com/first-frame.png")
        .resolution("480P")
        .parameter("prompt_extend", false)
        .build();
  }

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
    assertThat(done.getUsage().getVideoCount()).isEqualTo(1);
    HttpResponse<byte[]> video =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(done.getOutput().getVideoUrl())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(video.statusCode()).isEqualTo(200);
    assertThat(sim.videoSha256(taskId)).contains(DashScopeClientIT.sha256(video.body()));
    assertThat(sim.ledger().task(taskId))
        .hasValueSatisfying(
            t -> {
              assertThat(t.model()).isEqualTo("wan2.2-i2v-flash");
              assertThat(t.tier())
                  .as("the SDK also sends size=1280*720; the i2v model uses resolution")
                  .isEqualTo("480P");
              assertThat(t.endpointPath())
                  .isEqualTo("/api/v1/services/aigc/video-generation/video-synthesis");
            });
  }

  @Test
  void waitReturnsTheFinishedTask() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId = api.asyncCall(flash("wait for me")).getOutput().getTaskId();

    VideoSynthesisResult done = api.wait(taskId, KEY);

    assertThat(done.getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
    assertThat(done.getOutput().getVideoUrl()).isNotBlank();
    assertThat(sim.ledger().polls(taskId)).isNotEmpty();
  }

  @Test
  void markedTaskEndsFailedWithTheOutputCode() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId =
        api.asyncCall(flash("[sim:fail=DataInspectionFailed] a cat")).getOutput().getTaskId();

    VideoSynthesisResult done = api.wait(taskId, KEY);

    assertThat(done.getOutput().getTaskStatus()).isEqualTo("FAILED");
    assertThat(done.getOutput().getCode()).isEqualTo("DataInspectionFailed");
    assertThat(done.getOutput().getMessage()).isNotBlank();
    assertThat(done.getOutput().getVideoUrl()).isNull();
  }

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
            e -> {
              assertThat(e.getStatus().getStatusCode()).isEqualTo(400);
              assertThat(e.getStatus().getCode()).isEqualTo("InvalidParameter");
              assertThat(e.getStatus().getMessage()).isEqualTo("Model not exist.");
              assertThat(e.getStatus().getRequestId()).isNotBlank();
            });
  }

  @Test
  void cancelsAPendingTaskAndRefusesARunningOne() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String pending = api.asyncCall(flash("[sim:pending-forever]")).getOutput().getTaskId();

    api.cancel(pending, KEY);

    assertThat(api.fetch(pending, KEY).getOutput().getTaskStatus()).isEqualTo("CANCELED");

    String running = api.asyncCall(flash("[sim:never-finish]")).getOutput().getTaskId();
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> "RUNNING".equals(api.fetch(running, KEY).getOutput().getTaskStatus()));
    assertThatThrownBy(() -> api.cancel(running, KEY))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getStatus().getStatusCode()).isEqualTo(400);
              assertThat(e.getStatus().getCode()).isEqualTo("UnsupportedOperation");
            });
  }

  @Test
  void listsTheTasksOfTheKeysAccount() throws Exception {
    VideoSynthesis api = new VideoSynthesis();
    String taskId = api.asyncCall(flash("listed")).getOutput().getTaskId();

    VideoSynthesisListResult page =
        api.list(AsyncTaskListParam.builder().modelName("wan2.2-i2v-flash").pageSize(100).build());

    assertThat(page.getData()).extracting(AsyncTaskInfo::getTaskId).contains(taskId);
    AsyncTaskInfo info =
        page.getData().stream().filter(i -> i.getTaskId().equals(taskId)).findFirst().orElseThrow();
    assertThat(info.getModelName()).isEqualTo("wan2.2-i2v-flash");
    assertThat(info.getGmtCreate()).isPositive();
    assertThat(page.getPageNo()).isEqualTo(1);
    assertThat(page.getTotal()).isGreaterThanOrEqualTo(1);
  }

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
            t ->
                assertThat(t.endpointPath())
                    .isEqualTo("/api/v1/services/aigc/image2video/video-synthesis"));
    assertThat(kf2v.wait(taskId, KEY).getOutput().getTaskStatus()).isEqualTo("SUCCEEDED");
  }
}
