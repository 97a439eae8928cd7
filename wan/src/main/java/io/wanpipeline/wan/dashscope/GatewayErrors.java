package io.wanpipeline.wan.dashscope;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.WanError;
import java.time.Duration;
import java.util.Optional;

/**
 * How a gateway that relays the native protocol answers errors of its own, consulted by {@link
 * DashScopeClient} and {@link io.wanpipeline.wan.dialect.TaskCallFlow} before the native rules of
 * docs/protocol.md 1.8 apply; {@link #NATIVE} adds nothing.
 */
public interface GatewayErrors {

  /** DashScope itself, or a gateway that relays every error unchanged. */
  GatewayErrors NATIVE = new GatewayErrors() {};

  /**
   * The code and message of a non-2xx answer, or of a 2xx answer that carries no task, already
   * redacted; by default the native error body.
   */
  default ProviderErrorBody read(byte[] body, ObjectMapper mapper) {
    return ProviderErrorBody.parse(body, mapper);
  }

  /**
   * The refusal of a non-2xx create answer that the gateway gave before it dispatched the call
   * upstream, so that no task exists whatever the status (a 5xx included); empty to apply the
   * native rules (4xx refused, 5xx in doubt).
   *
   * @param httpStatus the answer's status
   * @param error the answer as {@link #read} reads it
   * @param body the raw answer, for fields {@link ProviderErrorBody} does not carry
   * @param retryAfter the parsed {@code Retry-After}, or null
   */
  default Optional<WanError> refusedBeforeDispatch(
      int httpStatus, ProviderErrorBody error, byte[] body, Duration retryAfter) {
    return Optional.empty();
  }

  /**
   * Whether a non-2xx answer to a task query means that the gateway knows no such task for this
   * key; {@link DashScopeClient#query} then answers UNKNOWN, as DashScope does for such a task.
   */
  default boolean unknownTask(int httpStatus, ProviderErrorBody error) {
    return false;
  }

  /**
   * Like {@link #unknownTask(int, ProviderErrorBody)}, with the raw answer for gateways that tell
   * an unknown task by the shape of its body; by default the body is not looked at.
   */
  default boolean unknownTask(int httpStatus, ProviderErrorBody error, byte[] body) {
    return unknownTask(httpStatus, error);
  }
}
