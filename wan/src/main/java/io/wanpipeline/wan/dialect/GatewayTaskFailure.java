package io.wanpipeline.wan.dialect;

import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.http.SecretRedactor;

/**
 * Classifies the failure of a task that a gateway reports FAILED (docs/architecture.md, "What a
 * failed task becomes"). A gateway relays the upstream DashScope code when it has one, embedded in
 * its text ({@code [InternalError.Algo] ...}): that code decides, by DashScope's rules (retryable
 * for {@code InternalError*}, {@code Throttling*}, {@code InvalidImageUrl}, {@code
 * RequestTimeOut}). Without one, the gateway's own code is the failure's code and is permanent: no
 * gateway documents an own task-failure code that a new submission could cure. The gateway's own
 * code is kept in the message when the upstream one decided.
 */
public final class GatewayTaskFailure {

  private final String dialect;

  /**
   * @param dialect the dialect's name, as in {@code provider.<name>.dialect}, for messages
   */
  public GatewayTaskFailure(String dialect) {
    this.dialect = dialect;
  }

  /**
   * The classified failure.
   *
   * @param upstreamCode the DashScope code the gateway relayed, or null
   * @param gatewayCode the gateway's own failure code, or null
   * @param message the gateway's failure text, or null
   */
  public WanError classify(String upstreamCode, String gatewayCode, String message) {
    if (upstreamCode != null && !upstreamCode.isBlank()) {
      WanError upstream = DashScopeErrorClassifier.taskFailure(upstreamCode, message);
      if (gatewayCode == null || gatewayCode.isBlank() || gatewayCode.equals(upstreamCode)) {
        return upstream;
      }
      return new WanError(
          upstream.code(),
          upstream.message() + " (" + dialect + " code " + gatewayCode + ")",
          upstream.retryable(),
          upstream.stage(),
          upstream.httpStatus(),
          null);
    }
    String code = gatewayCode == null || gatewayCode.isBlank() ? "TaskFailed" : gatewayCode;
    String text = SecretRedactor.redact(message);
    return new WanError(
        code,
        text == null || text.isBlank() ? "the task failed at " + dialect + " with " + code : text,
        false,
        WanError.Stage.EXECUTION,
        200,
        null);
  }
}
