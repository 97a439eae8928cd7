package io.wanpipeline.wan;

import io.wanpipeline.wan.http.SecretRedactor;
import java.time.Duration;

/**
 * A classified provider failure. Classified once, at the client boundary (docs/protocol.md 1.8).
 *
 * @param code provider code ({@code InvalidParameter}, {@code Throttling.RateQuota}) or a client
 *     code ({@code NETWORK}, {@code TIMEOUT}, {@code MALFORMED_RESPONSE})
 * @param message a reason a person can act on; never contains keys or signed query strings
 * @param retryable whether the same call may succeed later
 * @param stage where the failure happened
 * @param httpStatus the HTTP status, or 0 when no answer was received
 * @param retryAfter the provider's {@code Retry-After} hint, or null
 */
public record WanError(
    String code,
    String message,
    boolean retryable,
    Stage stage,
    int httpStatus,
    Duration retryAfter) {

  /** Redacts code and message: both may come from a provider's answer. */
  public WanError {
    code = SecretRedactor.redact(code);
    message = SecretRedactor.redact(message);
  }

  /** Where a failure happened. */
  public enum Stage {
    /** The create call was refused; no task exists. */
    SUBMIT,
    /** The task ran and failed at the provider. */
    EXECUTION,
    /** A query, list or cancel call failed; the task itself is unaffected. */
    QUERY
  }

  /** True for 429 and the {@code Throttling*} codes. */
  public boolean throttled() {
    return httpStatus == 429 || (code != null && code.startsWith("Throttling"));
  }
}
