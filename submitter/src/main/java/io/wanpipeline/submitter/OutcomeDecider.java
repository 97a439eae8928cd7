package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.http.SecretRedactor;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Decides what a create call's outcome means for the request: submitted, failed for good, or to be
 * tried again after a backoff (only when the provider refused with a retryable answer, so that no
 * task exists, and only until the throttle deadline).
 *
 * @param backoff delay between retryable refusals
 * @param throttleDeadline how long after the first call retries are still made
 */
public record OutcomeDecider(Backoff backoff, Duration throttleDeadline) {
  /** Error code of a request whose create call may or may not have created a task. */
  public static final String SUBMIT_IN_DOUBT = "SUBMIT_IN_DOUBT";

  public OutcomeDecider {
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(throttleDeadline, "throttleDeadline");
  }

  /** The next step of a request. */
  public sealed interface Step {
    /** The provider created {@code taskId}. */
    record Submitted(String taskId) implements Step {}

    /** The request ends FAILED with {@code error}. */
    record Failed(ErrorInfo error) implements Step {}

    /** Nothing was created; call again at {@code retryAt}. */
    record Retry(Instant retryAt, WanError cause) implements Step {}
  }

  /**
   * The step after {@code outcome}.
   *
   * @param attempts create calls made so far, including the one that produced {@code outcome}
   * @param firstAttemptAt when the first call was made
   * @param now the current time
   */
  public Step decide(SubmitOutcome outcome, int attempts, Instant firstAttemptAt, Instant now) {
    if (outcome instanceof SubmitOutcome.Accepted accepted) {
      return new Step.Submitted(accepted.taskId());
    }
    if (outcome instanceof SubmitOutcome.InDoubt inDoubt) {
      return new Step.Failed(inDoubt(inDoubt.reason()));
    }
    WanError error = ((SubmitOutcome.Refused) outcome).error();
    if (!error.retryable()) {
      return new Step.Failed(refused(error, false, ""));
    }
    Instant retryAt = now.plus(backoff.delay(Math.max(1, attempts), error.retryAfter()));
    Instant deadline = firstAttemptAt.plus(throttleDeadline);
    if (retryAt.isAfter(deadline)) {
      return new Step.Failed(
          refused(
              error,
              true,
              " (still refused after "
                  + attempts
                  + " attempts; gave up at the "
                  + throttleDeadline
                  + " throttle deadline, nothing was created)"));
    }
    return new Step.Retry(retryAt, error);
  }

  /**
   * The error of a request whose create call's outcome is unknown: code {@value #SUBMIT_IN_DOUBT},
   * and a message that names the cause.
   *
   * @param reason the cause (for example {@code HTTP 500 InternalError: ...} or {@code connection
   *     failed after sending: ...}); anything that looks like a key or a signed URL's query string
   *     is masked again here
   */
  public static ErrorInfo inDoubt(String reason) {
    return ErrorInfo.newBuilder()
        .setCode(SUBMIT_IN_DOUBT)
        .setMessage(
            "the create call may have reached the provider but no answer proves whether a task was"
                + " created ("
                + SecretRedactor.redact(reason)
                + "); a task may exist and the request is never resubmitted under this request_id")
        .setRetryable(true)
        .setStage(ErrorStage.SUBMIT)
        .setField(null)
        .build();
  }

  private static ErrorInfo refused(WanError error, boolean retryable, String suffix) {
    String code = error.code() == null || error.code().isBlank() ? "REFUSED" : error.code();
    String message =
        (error.message() == null || error.message().isBlank()
                ? "the provider refused the task (HTTP " + error.httpStatus() + ")"
                : error.message())
            + suffix;
    return ErrorInfo.newBuilder()
        .setCode(code)
        .setMessage(message)
        .setRetryable(retryable)
        .setStage(ErrorStage.SUBMIT)
        .setField(null)
        .build();
  }
}
