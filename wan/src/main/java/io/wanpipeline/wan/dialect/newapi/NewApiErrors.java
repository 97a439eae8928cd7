package io.wanpipeline.wan.dialect.newapi;

import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import java.time.Duration;
import java.util.Optional;

/**
 * The error answers new-api based gateways give themselves, before or instead of calling the
 * provider. Their distributor picks an upstream channel for the body's model and, when it finds
 * none, answers HTTP 503 {@code {"error":{"code":"model_not_found","message":"...
 * (distributor)","type":"new_api_error"}}}: a business error, not a 404, and no task exists. Their
 * task routes answer a task they have no record of with HTTP 400 {@code
 * {"code":"task_not_exist","message":"task_not_exist","data":null}}.
 */
public final class NewApiErrors {

  /** No upstream channel serves the model for this key's group: the key is not allowed it. */
  public static final String MODEL_NOT_FOUND = "model_not_found";

  /** The channels of the model are temporarily unavailable. */
  public static final String GET_CHANNEL_FAILED = "get_channel_failed";

  /** The gateway has no record of the task for this key. */
  public static final String TASK_NOT_EXIST = "task_not_exist";

  /** Client code of a call the gateway does not offer (cancel, list). */
  public static final String UNSUPPORTED_OPERATION = "UNSUPPORTED_OPERATION";

  private NewApiErrors() {}

  /**
   * The distributor's refusal of a create call, whatever its HTTP status: {@code model_not_found}
   * is permanent (the model is not enabled for the key: fix the token's group or allowlist), {@code
   * get_channel_failed} retryable. Empty for any other answer.
   *
   * @param httpStatus the answer's status
   * @param error the answer's code and message
   * @param retryAfter the parsed {@code Retry-After}, or null
   */
  public static Optional<WanError> distributorRefusal(
      int httpStatus, ProviderErrorBody error, Duration retryAfter) {
    if (MODEL_NOT_FOUND.equals(error.code())) {
      return Optional.of(refusal(httpStatus, error, false, null));
    }
    if (GET_CHANNEL_FAILED.equals(error.code())) {
      return Optional.of(refusal(httpStatus, error, true, retryAfter));
    }
    return Optional.empty();
  }

  /** Whether the answer says the gateway has no record of the task. */
  public static boolean taskNotExist(ProviderErrorBody error) {
    return TASK_NOT_EXIST.equals(error.code());
  }

  /**
   * The non-retryable failure of a call the gateway {@code dialect} does not offer.
   *
   * @param operation the call, for example {@code cancel}
   * @param dialect the dialect's name, for example {@code crazyrouter}
   * @param offered what the gateway offers instead, as a phrase
   */
  public static WanError unsupported(String operation, String dialect, String offered) {
    return new WanError(
        UNSUPPORTED_OPERATION,
        operation + " is not supported by " + dialect + ": " + offered,
        false,
        Stage.QUERY,
        0,
        null);
  }

  private static WanError refusal(
      int httpStatus, ProviderErrorBody error, boolean retryable, Duration retryAfter) {
    String message =
        error.code()
            + " (HTTP "
            + httpStatus
            + ")"
            + (error.message() == null ? "" : ": " + error.message());
    return new WanError(error.code(), message, retryable, Stage.SUBMIT, httpStatus, retryAfter);
  }
}
