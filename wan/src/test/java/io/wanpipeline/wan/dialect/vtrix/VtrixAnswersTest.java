package io.wanpipeline.wan.dialect.vtrix;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.dialect.DialectFixtures;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class VtrixAnswersTest {

  @Test
  void inProgressIsRunningWithTheCreationTimeInEpochSeconds() throws Exception {
    TaskSnapshot s = VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-in-progress.json"));
    assertThat(s.taskId()).isEqualTo("task_01JQ8Z4X9K2M7N5P3R6S8T0V1W");
    assertThat(s.status()).isEqualTo(ProviderStatus.RUNNING);
    assertThat(s.submitTime()).isEqualTo(Instant.ofEpochSecond(1760180156L));
    assertThat(s.videoUrl()).isNull();
    assertThat(s.usage()).isNull();
  }

  @Test
  void completedCarriesLinkSecondsTierAndTheProviderCostInUsd() throws Exception {
    TaskSnapshot s = VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-completed.json"));
    assertThat(s.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(s.videoUrl().uri().getRawQuery()).contains("Signature=Fjpx2bExampleSig%2B%2Fabc%3D");
    assertThat(s.videoUrl().toString()).doesNotContain("Signature");
    assertThat(s.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(s.usage().tier()).isEqualTo("480P");
    assertThat(s.usage().videoCount()).isEqualTo(1);
    assertThat(s.usage().providerCost()).isEqualTo("0.07");
    assertThat(s.usage().providerCostCurrency()).isEqualTo("USD");
  }

  @Test
  void withoutAContentDurationTheSecondsComeFromUsageQuantity() throws Exception {
    TaskSnapshot s =
        VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-completed-quantity-only.json"));
    assertThat(s.videoUrl().uri().toString()).isEqualTo("https://cdn.example.com/v.mp4");
    assertThat(s.submitTime()).isEqualTo(Instant.parse("2026-03-01T02:00:00Z"));
    assertThat(s.usage().videoDurationMillis()).isEqualTo(10_000);
    assertThat(s.usage().tier()).as("not reported: billing falls back on the request").isNull();
    assertThat(s.usage().providerCost()).isEqualTo("0.5");
  }

  @Test
  void genericFailureKeepsVtrixsCodeAndIsPermanent() throws Exception {
    TaskSnapshot s = VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-failed.json"));
    assertThat(s.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(s.errorCode()).isEqualTo("002014001");
    assertThat(s.errorMessage()).isEqualTo("Video generation failed");
    assertThat(s.usage()).isNull();
    assertThat(DashScopeErrorClassifier.taskFailure(s))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isFalse());
  }

  @Test
  void upstreamCodeInTheMessageDecidesTheClassification() throws Exception {
    TaskSnapshot s =
        VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-failed-upstream-code.json"));
    assertThat(s.errorCode()).isEqualTo("DataInspectionFailed");
    assertThat(DashScopeErrorClassifier.taskFailure(s))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isFalse());
  }

  @Test
  void failureAsPlainTextOfTheCliStructIsRead() throws Exception {
    TaskSnapshot s =
        VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-failed-text-error.json"));
    assertThat(s.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(s.errorCode()).isNull();
    assertThat(s.errorMessage()).isEqualTo("Video generation failed");
  }

  @Test
  void statusWordsOfTheModelPageAndTheCliAreUnderstood() {
    assertThat(VtrixAnswers.status("in_progress")).isEqualTo(ProviderStatus.RUNNING);
    assertThat(VtrixAnswers.status("processing")).isEqualTo(ProviderStatus.RUNNING);
    assertThat(VtrixAnswers.status("pending")).isEqualTo(ProviderStatus.PENDING);
    assertThat(VtrixAnswers.status("completed")).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(VtrixAnswers.status("failed")).isEqualTo(ProviderStatus.FAILED);
  }

  @Test
  void httpErrorBodyIsTheSharedCodeAndMessageShape() {
    ProviderErrorBody e =
        ProviderErrorBody.parse(
            DialectFixtures.bytes("vtrix", "error-401.json"), DialectFixtures.MAPPER);
    assertThat(e.code()).isEqualTo("401");
    assertThat(e.message()).isEqualTo("invalid api key");
  }
}
