package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutcomeDeciderTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private final OutcomeDecider decider =
      new OutcomeDecider(
          new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(1)),
          Duration.ofMinutes(10));

  private static SubmitOutcome.Refused refused(
      String code, boolean retryable, int http, Duration retryAfter) {
    return new SubmitOutcome.Refused(
        new WanError(code, code + " message", retryable, WanError.Stage.SUBMIT, http, retryAfter));
  }

  @Test
  void acceptedIsSubmitted() {
    assertThat(
            decider.decide(
                new SubmitOutcome.Accepted("task-1", ProviderStatus.PENDING, "p1"), 1, T0, T0))
        .isEqualTo(new OutcomeDecider.Step.Submitted("task-1"));
  }

  @Test
  void permanentRefusalFailsWithTheProvidersCodeNotRetryable() {
    var step = decider.decide(refused("InvalidParameter", false, 400, null), 1, T0, T0);
    assertThat(step).isInstanceOf(OutcomeDecider.Step.Failed.class);
    var error = ((OutcomeDecider.Step.Failed) step).error();
    assertThat(error.getCode()).isEqualTo("InvalidParameter");
    assertThat(error.getMessage()).isEqualTo("InvalidParameter message");
    assertThat(error.getRetryable()).isFalse();
    assertThat(error.getStage()).isEqualTo(ErrorStage.SUBMIT);
  }

  @Test
  void throttlingIsRetriedNoSoonerThanRetryAfter() {
    var step =
        decider.decide(
            refused("Throttling.RateQuota", true, 429, Duration.ofSeconds(30)), 1, T0, T0);
    assertThat(step).isInstanceOf(OutcomeDecider.Step.Retry.class);
    Instant retryAt = ((OutcomeDecider.Step.Retry) step).retryAt();
    assertThat(retryAt).isBetween(T0.plusSeconds(30), T0.plusSeconds(33));
  }

  @Test
  void throttlingBacksOffLongerWithEachAttempt() {
    Instant now = T0.plusSeconds(20);
    var step = decider.decide(refused("Throttling", true, 429, null), 5, T0, now);
    Instant retryAt = ((OutcomeDecider.Step.Retry) step).retryAt();
    assertThat(Duration.between(now, retryAt))
        .isBetween(Duration.ofSeconds(8), Duration.ofSeconds(16));
  }

  @Test
  void throttledPastTheDeadlineFailsRetryable() {
    Instant now = T0.plus(Duration.ofMinutes(9)).plusSeconds(50);
    var step =
        decider.decide(refused("Throttling", true, 429, Duration.ofSeconds(30)), 12, T0, now);
    assertThat(step).isInstanceOf(OutcomeDecider.Step.Failed.class);
    var error = ((OutcomeDecider.Step.Failed) step).error();
    assertThat(error.getCode()).isEqualTo("Throttling");
    assertThat(error.getRetryable()).isTrue();
    assertThat(error.getStage()).isEqualTo(ErrorStage.SUBMIT);
    assertThat(error.getMessage()).contains("12 attempts", "deadline");
  }

  @Test
  void inDoubtFailsRetryableAndIsNeverRetried() {
    var step = decider.decide(new SubmitOutcome.InDoubt("read timed out"), 1, T0, T0);
    assertThat(step).isInstanceOf(OutcomeDecider.Step.Failed.class);
    var error = ((OutcomeDecider.Step.Failed) step).error();
    assertThat(error.getCode()).isEqualTo(OutcomeDecider.SUBMIT_IN_DOUBT);
    assertThat(error.getRetryable()).isTrue();
    assertThat(error.getStage()).isEqualTo(ErrorStage.SUBMIT);
    assertThat(error.getMessage()).contains("read timed out");
  }

  @Test
  void anInDoubtCauseKeepsNoKeyAndNoSignedQueryString() {
    var error =
        OutcomeDecider.inDoubt(
            "HTTP 500 InternalError: key sk-abcdef0123456789 failed for"
                + " https://b.oss-cn-beijing.aliyuncs.com/v.mp4?OSSAccessKeyId=LTAI5t&Signature=c2Vj");

    assertThat(error.getMessage())
        .contains("HTTP 500 InternalError", "https://b.oss-cn-beijing.aliyuncs.com/v.mp4")
        .doesNotContain("sk-abcdef0123456789", "LTAI5t", "c2Vj");
  }
}
