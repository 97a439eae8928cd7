package io.wanpipeline.wan.dashscope;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.http.ProviderExchange;
import io.wanpipeline.wan.http.SecretRedactor;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides, once and at the boundary, whether a DashScope failure may succeed when tried again
 * (docs/protocol.md 1.8): throttling, timeouts and server errors are retryable; bad parameters,
 * moderation, arrears, authentication and entitlement failures are not.
 */
public final class DashScopeErrorClassifier {

  /** Client-side code: the connection failed or broke. */
  public static final String NETWORK = "NETWORK";

  /** Client-side code: no answer within the per-attempt timeout. */
  public static final String TIMEOUT = "TIMEOUT";

  /** Client-side code: the answer was not the documented JSON. */
  public static final String MALFORMED_RESPONSE = "MALFORMED_RESPONSE";

  private DashScopeErrorClassifier() {}

  /**
   * Classifies a non-2xx answer.
   *
   * @param httpStatus the HTTP status
   * @param code the provider's code, or null
   * @param message the provider's message (redacted again here), or null
   * @param stage where it happened ({@link Stage#SUBMIT} or {@link Stage#QUERY})
   * @param retryAfter the parsed {@code Retry-After}, or null
   */
  public static WanError fromHttp(
      int httpStatus, String code, String message, Stage stage, Duration retryAfter) {
    String effectiveCode = code == null || code.isBlank() ? "HTTP_" + httpStatus : code;
    boolean retryable = httpRetryable(httpStatus, effectiveCode);
    String text = SecretRedactor.redact(message);
    String described =
        effectiveCode + " (HTTP " + httpStatus + ")" + (text == null ? "" : ": " + text);
    return new WanError(
        effectiveCode, described, retryable, stage, httpStatus, retryable ? retryAfter : null);
  }

  /**
   * Classifies the failure of a task that ran and ended FAILED: {@code InternalError*} and {@code
   * Throttling*} are retryable by resubmission, {@code InvalidImageUrl} too (gateways report it as
   * transient), everything else is permanent.
   */
  public static WanError taskFailure(String code, String message) {
    String effectiveCode = code == null || code.isBlank() ? "TaskFailed" : code;
    boolean retryable =
        effectiveCode.startsWith("InternalError")
            || effectiveCode.startsWith("Throttling")
            || effectiveCode.equals("InvalidImageUrl")
            || effectiveCode.equals("RequestTimeOut");
    String text = SecretRedactor.redact(message);
    return new WanError(
        effectiveCode,
        text == null || text.isBlank() ? "the task failed with " + effectiveCode : text,
        retryable,
        Stage.EXECUTION,
        200,
        null);
  }

  /** The classified failure of a FAILED snapshot; empty for any other status. */
  public static Optional<WanError> taskFailure(TaskSnapshot snapshot) {
    if (snapshot.status() != ProviderStatus.FAILED) {
      return Optional.empty();
    }
    return Optional.of(taskFailure(snapshot.errorCode(), snapshot.errorMessage()));
  }

  /** A failure with no HTTP answer (connection refused or broken, timeout). */
  public static WanError transport(String code, String message, Stage stage) {
    return new WanError(code, SecretRedactor.redact(message), true, stage, 0, null);
  }

  /**
   * A query-stage failure of a call that got no answer ({@link ProviderExchange.NotSent} or {@link
   * ProviderExchange.NoAnswer}): {@value #TIMEOUT} when its timeout ran out, else {@value
   * #NETWORK}; the reason is prefixed with {@code what} ("query").
   */
  public static WanError unansweredQuery(ProviderExchange.Result result, String what) {
    if (result instanceof ProviderExchange.NoAnswer noAnswer) {
      return transport(
          noAnswer.timeout() ? TIMEOUT : NETWORK, what + " " + noAnswer.reason(), Stage.QUERY);
    }
    if (result instanceof ProviderExchange.NotSent notSent) {
      return transport(NETWORK, what + " " + notSent.reason(), Stage.QUERY);
    }
    throw new IllegalArgumentException("the call was answered");
  }

  /**
   * The outcome of a create call that got no answer: not sent at all (no connection) means the
   * provider created nothing, so it is refused and safe to retry; sent without an answer (timeout,
   * reset) is in doubt and never retried.
   */
  public static SubmitOutcome unansweredSubmit(ProviderExchange.Result result) {
    if (result instanceof ProviderExchange.NotSent notSent) {
      return new SubmitOutcome.Refused(transport(NETWORK, notSent.reason(), Stage.SUBMIT));
    }
    if (result instanceof ProviderExchange.NoAnswer noAnswer) {
      return new SubmitOutcome.InDoubt(SecretRedactor.redact(noAnswer.reason()));
    }
    throw new IllegalArgumentException("the call was answered");
  }

  /**
   * Whether an answered create call with {@code status} was refused, so that no task exists: every
   * 4xx, and 503, which says the server could not take the request at all (RFC 9110 15.6.4;
   * docs/protocol.md 1.8: "503 retry"). Any other 5xx may come after the task was made and is in
   * doubt. A retryable refusal is called again until {@code submitter.throttle-deadline}.
   */
  public static boolean refusedSubmit(int status) {
    return (status >= 400 && status < 500) || status == 503;
  }

  /** An answer that could not be read. */
  public static WanError malformed(String message, Stage stage, int httpStatus) {
    return new WanError(
        MALFORMED_RESPONSE, SecretRedactor.redact(message), true, stage, httpStatus, null);
  }

  private static boolean httpRetryable(int status, String code) {
    if (status == 429 || code.startsWith("Throttling")) {
      return true;
    }
    if (status == 408 || code.equals("RequestTimeOut")) {
      return true;
    }
    if (status >= 500 || code.startsWith("InternalError")) {
      return true;
    }
    return false;
  }
}
