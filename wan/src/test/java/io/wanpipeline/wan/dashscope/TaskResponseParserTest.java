package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TaskResponseParserTest {

  @Test
  void readsCurrentGenerationSucceededTaskWithChinaTimesAndSrTier() throws Exception {
    TaskSnapshot s = TaskResponseParser.snapshot(Fixtures.json("query-succeeded-current.json"));

    assertThat(s.taskId()).isEqualTo("a55bfe14-8f0e-4b1c-9d2a-6e7f8a9b0c1d");
    assertThat(s.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(s.submitTime()).isEqualTo(Instant.parse("2025-10-11T10:55:56.952Z"));
    assertThat(s.scheduledTime()).isEqualTo(Instant.parse("2025-10-11T10:55:57.908Z"));
    assertThat(s.endTime()).isEqualTo(Instant.parse("2025-10-11T11:02:27.297Z"));
    assertThat(s.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(s.usage().tier()).isEqualTo("480P");
    assertThat(s.usage().videoCount()).isEqualTo(1);
    assertThat(s.usage().audio()).isNull();
    assertThat(s.errorCode()).isNull();
    assertThat(s.videoUrl().uri().getRawQuery())
        .as("the signed query string is kept byte for byte")
        .contains("Signature=Fjpx2bExampleSig%2B%2Fabc%3D");
    assertThat(s.videoUrl().expiresAt())
        .as("the real example's Expires is end_time + 86392 s, proving end_time is UTC+8")
        .contains(
            s.endTime().plusSeconds(86_392).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    assertThat(s.videoUrl().toString()).doesNotContain("Signature").doesNotContain("Expires");
  }

  @Test
  void readsLegacyUsageWithVideoRatioSizeAsTier() throws Exception {
    TaskSnapshot s = TaskResponseParser.snapshot(Fixtures.json("query-succeeded-legacy.json"));

    assertThat(s.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(s.usage().tier()).isEqualTo("480P");
  }

  @Test
  void keepsFractionalS2vSecondsToTheMillisecond() throws Exception {
    TaskSnapshot s =
        TaskResponseParser.snapshot(Fixtures.json("query-succeeded-s2v-fractional.json"));

    assertThat(s.usage().videoDurationMillis()).isEqualTo(10_230);
    assertThat(s.usage().tier()).isEqualTo("720P");
  }

  @Test
  void prefersOutputVideoDurationAndReadsSrAsStringAndIgnoresUnknownFields() throws Exception {
    TaskSnapshot s = TaskResponseParser.snapshot(Fixtures.json("query-succeeded-wan27.json"));

    assertThat(s.usage().videoDurationMillis()).isEqualTo(15_000);
    assertThat(s.usage().tier()).isEqualTo("720P");
    assertThat(s.usage().audio()).isTrue();
  }

  @Test
  void readsRunningTaskWithScheduledTimeAndNoUsage() throws Exception {
    TaskSnapshot s = TaskResponseParser.snapshot(Fixtures.json("query-running.json"));

    assertThat(s.status()).isEqualTo(ProviderStatus.RUNNING);
    assertThat(s.scheduledTime()).isEqualTo(Instant.parse("2024-03-01T09:38:24.831Z"));
    assertThat(s.endTime()).isNull();
    assertThat(s.usage()).isNull();
    assertThat(s.videoUrl()).isNull();
  }

  @Test
  void readsPendingAndCanceledAndUnknown() throws Exception {
    assertThat(TaskResponseParser.snapshot(Fixtures.json("query-pending.json")).status())
        .isEqualTo(ProviderStatus.PENDING);
    TaskSnapshot canceled = TaskResponseParser.snapshot(Fixtures.json("query-canceled.json"));
    assertThat(canceled.status()).isEqualTo(ProviderStatus.CANCELED);
    assertThat(canceled.endTime()).isNotNull();
    TaskSnapshot unknown = TaskResponseParser.snapshot(Fixtures.json("query-unknown.json"));
    assertThat(unknown.status()).isEqualTo(ProviderStatus.UNKNOWN);
    assertThat(unknown.taskId()).isEqualTo("1111");
    assertThat(unknown.submitTime()).isNull();
  }

  @Test
  void readsFailedCodeAndRedactsSignedUrlsInTheMessage() throws Exception {
    TaskSnapshot s = TaskResponseParser.snapshot(Fixtures.json("query-failed.json"));

    assertThat(s.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(s.errorCode()).isEqualTo("InvalidImageUrl");
    assertThat(s.errorMessage())
        .contains("https://bucket.oss-cn-beijing.aliyuncs.com/in.png")
        .doesNotContain("Signature")
        .doesNotContain("secret")
        .doesNotContain("LTAIabc");
    assertThat(s.videoUrl()).isNull();
  }

  @Test
  void readsTheMinimalFailedShapeWithoutTimes() throws Exception {
    // docs/protocol.md 1.6 "FAILED example shape": output.code and output.message only.
    TaskSnapshot s = TaskResponseParser.snapshot(Fixtures.json("query-failed-minimal.json"));

    assertThat(s.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(s.errorCode()).isEqualTo("InvalidParameter");
    assertThat(s.errorMessage()).isEqualTo("Field required: input.media");
    assertThat(s.submitTime()).isNull();
    assertThat(s.endTime()).isNull();
    assertThat(s.usage()).isNull();
  }

  @Test
  void keepsATrailingHelpLinkInAFailedTasksMessage() throws Exception {
    // docs/protocol.md 1.8: messages may end in a help URL and a space; never compare them whole.
    TaskSnapshot s = TaskResponseParser.snapshot(Fixtures.json("query-failed-help-link.json"));

    assertThat(s.errorCode()).isEqualTo("DataInspectionFailed");
    assertThat(s.errorMessage())
        .startsWith("Output data may contain inappropriate content.")
        .contains("https://help.aliyun.com/zh/model-studio/error-code#inappropriate-content");
    assertThat(s.endTime()).isEqualTo(Instant.parse("2025-11-03T01:15:09.870Z"));
  }

  @Test
  void legacyUsageWithTheWordStandardAsRatioHasSecondsButNoTier() throws Exception {
    TaskSnapshot s =
        TaskResponseParser.snapshot(Fixtures.json("query-succeeded-legacy-standard.json"));

    assertThat(s.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(s.usage().tier()).as("'standard' names no tier").isNull();
    assertThat(s.usage().videoCount()).isEqualTo(1);
  }

  @Test
  void readsListPageWithEpochMillisTimes() throws Exception {
    TaskPage page = TaskResponseParser.page(Fixtures.json("list.json"));

    assertThat(page.total()).isEqualTo(2);
    assertThat(page.totalPages()).isEqualTo(1);
    assertThat(page.pageNo()).isEqualTo(1);
    assertThat(page.pageSize()).isEqualTo(10);
    assertThat(page.tasks()).hasSize(2);
    TaskPage.Entry running = page.tasks().get(0);
    assertThat(running.taskId()).isEqualTo("50e2ccea-abc4-43d7-a0dc-xxxxxx");
    assertThat(running.status()).isEqualTo(ProviderStatus.RUNNING);
    assertThat(running.model()).isEqualTo("wanx2.1-kf2v-plus");
    assertThat(running.requestId()).isEqualTo("1abfc3c8-dd25-98da-ad0b-xxxxxx");
    assertThat(running.created()).isEqualTo(Instant.ofEpochMilli(1745568428109L));
    assertThat(running.start()).isEqualTo(Instant.ofEpochMilli(1745568428138L));
    assertThat(running.end()).isNull();
    assertThat(page.tasks().get(1).end()).isEqualTo(Instant.ofEpochMilli(1745568302481L));
  }

  @Test
  void rejectsAnswersWithoutOutputOrStatus() {
    assertThatThrownBy(
            () -> TaskResponseParser.snapshot(Fixtures.MAPPER.readTree("{\"request_id\":\"x\"}")))
        .isInstanceOf(MalformedResponseException.class);
    assertThatThrownBy(
            () ->
                TaskResponseParser.snapshot(
                    Fixtures.MAPPER.readTree("{\"output\":{\"task_id\":\"t\"}}")))
        .isInstanceOf(MalformedResponseException.class);
    assertThatThrownBy(() -> TaskResponseParser.snapshot(Fixtures.MAPPER.readTree("[]")))
        .isInstanceOf(MalformedResponseException.class);
  }

  @Test
  void mapsSizeStringsToTiers() {
    assertThat(TaskResponseParser.tierOfSize("832*480")).isEqualTo("480P");
    assertThat(TaskResponseParser.tierOfSize("624*624")).isEqualTo("480P");
    assertThat(TaskResponseParser.tierOfSize("1088*832")).isEqualTo("720P");
    assertThat(TaskResponseParser.tierOfSize("960*960")).isEqualTo("720P");
    assertThat(TaskResponseParser.tierOfSize("1248*1632")).isEqualTo("1080P");
    assertThat(TaskResponseParser.tierOfSize("1920x1080")).isEqualTo("1080P");
    assertThat(TaskResponseParser.tierOfSize("standard")).isNull();
    assertThat(TaskResponseParser.tierOfSize(null)).isNull();
  }

  @Test
  void readsNumbersSentAsStrings() throws Exception {
    var usage =
        TaskResponseParser.usage(
            Fixtures.MAPPER.readTree(
                "{\"duration\":\"7.5\",\"SR\":\"1080P\",\"video_count\":\"1\"}"));
    assertThat(usage.videoDurationMillis()).isEqualTo(7_500);
    assertThat(usage.tier()).isEqualTo("1080P");
  }

  /**
   * Found by the provider-answer fuzz tests: a duration whose milliseconds do not fit in a long
   * threw ArithmeticException out of the client (only MalformedResponseException is handled), and a
   * negative one gave a negative billable duration. Neither is a usage the provider could mean.
   */
  @Test
  void anUnusableOutputDurationIsNoUsage() throws Exception {
    for (String seconds : new String[] {"1e20", "\"1e999999999\"", "-5", "\"-0.5\""}) {
      assertThat(
              TaskResponseParser.usage(
                  Fixtures.MAPPER.readTree("{\"output_video_duration\":" + seconds + "}")))
          .as(seconds)
          .isNull();
    }
    TaskSnapshot s =
        TaskResponseParser.snapshot(
            Fixtures.MAPPER.readTree(
                "{\"output\":{\"task_id\":\"t\",\"task_status\":\"SUCCEEDED\"},"
                    + "\"usage\":{\"duration\":1e20}}"));
    assertThat(s.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(s.usage()).isNull();
  }
}
