package io.wanpipeline.infra.simulator;

/**
 * A provider refusal in DashScope's words; status 0 means "drop the connection". The factories are
 * the refusals the provider documents (docs/protocol.md 1.8), and the refusal an injected fault
 * stands for.
 */
record Refusal(int status, String code, String message) {

  static Refusal throttled() {
    return new Refusal(
        429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later.");
  }

  static Refusal internalError() {
    return new Refusal(
        500,
        "InternalError",
        "An internal error has occured, please try again later or contact service support.");
  }

  /** An overdue account; the real message ends in a help link (docs/protocol.md 1.8). */
  static Refusal arrearage() {
    return new Refusal(
        400,
        "Arrearage",
        "Access denied, please make sure your account is in good standing. For details, see:"
            + " https://help.aliyun.com/zh/model-studio/error-code#overdue-payment");
  }

  static Refusal unavailable() {
    return new Refusal(
        503, "ServiceUnavailable", "Service is temporarily unavailable, please try again later.");
  }

  static int faultStatus(FaultDice.Decision d) {
    return switch (d.outcome()) {
      case THROTTLE -> 429;
      case INTERNAL_ERROR -> 500;
      case UNAVAILABLE -> 503;
      case MALFORMED -> 200;
      default -> 0;
    };
  }

  static String faultCode(FaultDice.Decision d) {
    return switch (d.outcome()) {
      case THROTTLE -> "Throttling.RateQuota";
      case INTERNAL_ERROR -> "InternalError";
      case UNAVAILABLE -> "ServiceUnavailable";
      case RESET -> "reset";
      case MALFORMED -> "malformed";
      default -> null;
    };
  }
}
