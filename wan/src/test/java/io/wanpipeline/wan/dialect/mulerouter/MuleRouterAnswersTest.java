package io.wanpipeline.wan.dialect.mulerouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dialect.DialectFixtures;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MuleRouterAnswersTest {

  private static final String ID = "wan2.5-i2v-preview/123e4567-e89b-12d3-a456-426614174000";

  @Test
  void createAnswerOfTheSeedIsPendingWithTheGatewayId() throws Exception {
    var root = DialectFixtures.json("mulerouter", "create-accepted.json");
    assertThat(MuleRouterAnswers.gatewayTaskId(root))
        .isEqualTo("3c90c3cc-0d44-4b50-8888-8dd25736052a");
    TaskSnapshot s = MuleRouterAnswers.snapshot(root, "m/x");
    assertThat(s.status()).isEqualTo(ProviderStatus.PENDING);
    assertThat(s.submitTime()).isEqualTo(Instant.parse("2023-11-07T05:31:56Z"));
    assertThat(s.endTime()).isNull();
  }

  @Test
  void processingIsRunningWithoutEndTimeOrLink() throws Exception {
    TaskSnapshot s =
        MuleRouterAnswers.snapshot(DialectFixtures.json("mulerouter", "query-processing.json"), ID);
    assertThat(s.status()).isEqualTo(ProviderStatus.RUNNING);
    assertThat(s.endTime()).isNull();
    assertThat(s.videoUrl()).isNull();
  }

  @Test
  void completedCarriesTheFirstVideoUpdatedAtAsEndAndNoUsage() throws Exception {
    TaskSnapshot s =
        MuleRouterAnswers.snapshot(DialectFixtures.json("mulerouter", "query-completed.json"), ID);
    assertThat(s.taskId()).isEqualTo(ID);
    assertThat(s.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(s.submitTime()).isEqualTo(Instant.parse("2025-01-15T10:30:00Z"));
    assertThat(s.endTime()).isEqualTo(Instant.parse("2025-01-15T10:32:00Z"));
    assertThat(s.videoUrl().uri().toString())
        .isEqualTo(
            "https://mulerouter.muleusercontent.com/public/123e4567-e89b-12d3-a456-426614174000/video.mp4");
    assertThat(s.usage()).as("MuleRouter reports no usage").isNull();
  }

  @Test
  void executionFailureKeepsMuleRouterCodeAndIsPermanentWithoutAnUpstreamCode() throws Exception {
    TaskSnapshot s =
        MuleRouterAnswers.snapshot(
            DialectFixtures.json("mulerouter", "query-failed-execution.json"), ID);
    assertThat(s.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(s.errorCode()).isEqualTo("3001");
    assertThat(s.errorMessage())
        .isEqualTo("Task Execution Error: Video generation failed: Invalid image dimensions");
    assertThat(s.endTime()).isEqualTo(Instant.parse("2025-09-21T00:01:15Z"));
    assertThat(DashScopeErrorClassifier.taskFailure(s))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isFalse());
  }

  @Test
  void upstreamDashScopeCodeInTheDetailDecidesTheClassification() throws Exception {
    TaskSnapshot s =
        MuleRouterAnswers.snapshot(
            DialectFixtures.json("mulerouter", "query-failed-upstream-code.json"), ID);
    assertThat(s.errorCode()).isEqualTo("InternalError.Algo");
    assertThat(s.errorMessage()).startsWith("Task Execution Error: Video generation failed:");
    assertThat(DashScopeErrorClassifier.taskFailure(s))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isTrue());
  }

  @Test
  void invalidRequestFailureOfTheDocsIsPermanent() throws Exception {
    TaskSnapshot s =
        MuleRouterAnswers.snapshot(
            DialectFixtures.json("mulerouter", "query-failed-invalid-request.json"), ID);
    assertThat(s.errorCode()).isEqualTo("400");
    assertThat(s.errorMessage()).contains("Invalid Request").contains("format is not supported");
    assertThat(DashScopeErrorClassifier.taskFailure(s))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isFalse());
  }

  @Test
  void statusWordsOfBothDocGenerationsAreUnderstood() {
    assertThat(MuleRouterAnswers.status("pending")).isEqualTo(ProviderStatus.PENDING);
    assertThat(MuleRouterAnswers.status("queued")).isEqualTo(ProviderStatus.PENDING);
    assertThat(MuleRouterAnswers.status("processing")).isEqualTo(ProviderStatus.RUNNING);
    assertThat(MuleRouterAnswers.status("running")).isEqualTo(ProviderStatus.RUNNING);
    assertThat(MuleRouterAnswers.status("completed")).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(MuleRouterAnswers.status("succeeded")).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(MuleRouterAnswers.status("failed")).isEqualTo(ProviderStatus.FAILED);
    assertThat(MuleRouterAnswers.status("something-new")).isEqualTo(ProviderStatus.RUNNING);
  }

  @Test
  void errorBodiesAreReadWhereverTheErrorIsAndWithoutSecrets() {
    MuleRouterAnswers.ErrorInfo top =
        MuleRouterAnswers.error(
            DialectFixtures.bytes("mulerouter", "error-top-level.json"), DialectFixtures.MAPPER);
    assertThat(top.code()).isEqualTo("400");
    assertThat(top.text()).startsWith("Invalid Request: resolution '1080P'");

    MuleRouterAnswers.ErrorInfo detail =
        MuleRouterAnswers.error(
            DialectFixtures.bytes("mulerouter", "error-detail-only.json"), DialectFixtures.MAPPER);
    assertThat(detail.code()).isNull();
    assertThat(detail.text()).contains("Invalid API key").doesNotContain("abcdef1234567890");

    MuleRouterAnswers.ErrorInfo nested =
        MuleRouterAnswers.error(
            DialectFixtures.bytes("mulerouter", "query-failed-execution.json"),
            DialectFixtures.MAPPER);
    assertThat(nested.code()).isEqualTo("3001");

    MuleRouterAnswers.ErrorInfo html =
        MuleRouterAnswers.error(
            "<html>502 Bad Gateway</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            DialectFixtures.MAPPER);
    assertThat(html.text()).contains("502 Bad Gateway");
  }

  @Test
  void answerWithoutTaskInfoIsMalformed() {
    assertThatThrownBy(
            () ->
                MuleRouterAnswers.snapshot(DialectFixtures.MAPPER.readTree("{\"videos\":[]}"), ID))
        .isInstanceOf(MalformedResponseException.class)
        .hasMessageContaining("task_info");
  }
}
