package io.wanpipeline.wan.dialect.apiyi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dialect.newapi.NewApiFixtures;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ApiyiTaskParserTest {

  private static final String ID = "436310e6-5404-42ef-b875-0a1b2c3d4e5f";

  private static TaskSnapshot parse(String name) throws MalformedResponseException {
    return ApiyiTaskParser.snapshot(NewApiFixtures.json("apiyi", name), "asked-id");
  }

  @Test
  void submittedIsPendingWithItsCreationTime() throws Exception {
    TaskSnapshot s = parse("task-submitted.json");

    assertThat(s.taskId()).isEqualTo(ID);
    assertThat(s.status()).isEqualTo(ProviderStatus.PENDING);
    assertThat(s.submitTime()).isEqualTo(Instant.ofEpochSecond(1772330400));
    assertThat(s.scheduledTime()).isNull();
    assertThat(s.endTime()).isNull();
    assertThat(s.videoUrl()).isNull();
  }

  @Test
  void inProgressIsRunningWhateverTheProgressFormat() throws Exception {
    TaskSnapshot s = parse("task-in-progress.json");

    assertThat(s.status()).isEqualTo(ProviderStatus.RUNNING);
    assertThat(s.scheduledTime()).isEqualTo(Instant.ofEpochSecond(1772330401));
    assertThat(s.endTime()).isNull();
  }

  @Test
  void completedIsSucceededWithTheRawSignedLinkAndNoUsage() throws Exception {
    TaskSnapshot s = parse("task-completed.json");

    assertThat(s.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(s.submitTime()).isEqualTo(Instant.ofEpochSecond(1772330400));
    assertThat(s.scheduledTime()).isEqualTo(Instant.ofEpochSecond(1772330401));
    assertThat(s.endTime()).isEqualTo(Instant.ofEpochSecond(1772330431));
    assertThat(s.videoUrl().uri().getRawQuery())
        .as("kept byte for byte")
        .isEqualTo(
            "Expires=1772416831&OSSAccessKeyId=LTAI5tExampleKeyId00000&Signature=Ab%2Bcd%2Fef%3D");
    assertThat(s.videoUrl().expiresAt()).contains(Instant.ofEpochSecond(1772416831));
    assertThat(s.usage())
        .as("the normalized task carries none; billing uses the requested duration and tier")
        .isNull();
    assertThat(s.errorCode()).isNull();
  }

  @Test
  void failedTakesTheBracketedCodeRedactsLinksAndMillisecondTimesAreRead() throws Exception {
    TaskSnapshot s = parse("task-failed.json");

    assertThat(s.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(s.errorCode()).isEqualTo("InvalidImageUrl");
    assertThat(s.errorMessage())
        .startsWith("Failed to download the input image")
        .doesNotContain("Signature=secret")
        .doesNotContain("LTAIabc");
    assertThat(s.submitTime()).isEqualTo(Instant.ofEpochMilli(1772330400000L));
    assertThat(s.endTime()).isEqualTo(Instant.ofEpochMilli(1772330415000L));
    assertThat(DashScopeErrorClassifier.taskFailure(s))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isTrue());
  }

  @Test
  void failedWithTheReasonOnlyTakesItsBracketedCode() throws Exception {
    TaskSnapshot s = parse("task-failed-reason-only.json");

    assertThat(s.errorCode()).isEqualTo("InvalidParameter");
    assertThat(s.errorMessage()).isEqualTo("Field required: input.media");
    assertThat(DashScopeErrorClassifier.taskFailure(s))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isFalse());
  }

  @Test
  void unknownIsUnknown() throws Exception {
    assertThat(parse("task-unknown.json").status()).isEqualTo(ProviderStatus.UNKNOWN);
  }

  @Test
  void aDataEnvelopeAndNewApiFieldNamesAreRead() throws Exception {
    TaskSnapshot s = parse("task-enveloped.json");

    assertThat(s.status()).isEqualTo(ProviderStatus.RUNNING);
    assertThat(s.submitTime()).isEqualTo(Instant.ofEpochSecond(1772330400));
    assertThat(s.scheduledTime()).isEqualTo(Instant.ofEpochSecond(1772330401));
  }

  @Test
  void unknownStatusWordsAreReadAsRunningLikeNativeOnes() {
    assertThat(ApiyiTaskParser.status("rendering")).isEqualTo(ProviderStatus.RUNNING);
    assertThat(ApiyiTaskParser.status("QUEUED")).isEqualTo(ProviderStatus.PENDING);
    assertThat(ApiyiTaskParser.status("cancelled")).isEqualTo(ProviderStatus.CANCELED);
  }

  @Test
  void anAnswerWithoutStatusIsMalformed() {
    assertThatThrownBy(
            () ->
                ApiyiTaskParser.snapshot(
                    NewApiFixtures.MAPPER.readTree("{\"task_id\":\"x\"}"), "x"))
        .isInstanceOf(MalformedResponseException.class)
        .hasMessageContaining("status");
  }
}
