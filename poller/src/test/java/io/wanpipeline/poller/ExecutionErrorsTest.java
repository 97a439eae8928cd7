package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ErrorStage;
import org.junit.jupiter.api.Test;

class ExecutionErrorsTest {

  @Test
  void internalErrorsAndThrottlingAreRetryable() {
    assertThat(ExecutionErrors.retryable("InternalError.Algo")).isTrue();
    assertThat(ExecutionErrors.retryable("InternalError")).isTrue();
    assertThat(ExecutionErrors.retryable("Throttling.AllocationQuota")).isTrue();
    assertThat(ExecutionErrors.retryable("InvalidImageUrl")).isTrue();
  }

  @Test
  void contentAndParameterErrorsAreNot() {
    assertThat(ExecutionErrors.retryable("InvalidParameter")).isFalse();
    assertThat(ExecutionErrors.retryable("DataInspectionFailed")).isFalse();
    assertThat(ExecutionErrors.retryable(null)).isFalse();
  }

  @Test
  void messagesLoseSignedQueryStrings() {
    var e =
        ExecutionErrors.failed(
            "InvalidImageUrl",
            "cannot fetch https://b.oss.example.com/x.png?Expires=1&OSSAccessKeyId=LTAI&Signature=abc"
                + " (403)");
    assertThat(e.getMessage())
        .isEqualTo("cannot fetch https://b.oss.example.com/x.png?<redacted> (403)")
        .doesNotContain("Signature", "LTAI");
    assertThat(e.getStage()).isEqualTo(ErrorStage.EXECUTION);
    assertThat(e.getRetryable()).isTrue();
  }

  @Test
  void missingCodeAndMessageStillSaySomething() {
    var e = ExecutionErrors.failed(null, " ");
    assertThat(e.getCode()).isEqualTo("TASK_FAILED");
    assertThat(e.getMessage()).contains("FAILED");
  }
}
