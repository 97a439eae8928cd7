package io.wanpipeline.poller;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Classifies the error of a task that FAILED at the provider (wan-protocol.md 1.8): whether
 * submitting the same request again may succeed, and a message safe to publish.
 */
public final class ExecutionErrors {
  private static final Set<String> TRANSIENT_CODES =
      Set.of("requesttimeout", "serviceunavailable", "invalidimageurl", "systemerror");
  private static final Pattern URL_QUERY = Pattern.compile("(https?://[^\\s?#\"']+)\\?[^\\s\"']*");
  private static final int MAX_MESSAGE = 1000;

  private ExecutionErrors() {}

  /**
   * True when the failure is transient at the provider (internal errors, throttling, timeouts,
   * unreachable media), so that submitting again may succeed.
   */
  public static boolean retryable(String code) {
    if (code == null) {
      return false;
    }
    String c = code.toLowerCase(Locale.ROOT);
    return c.startsWith("internalerror")
        || c.startsWith("throttling")
        || TRANSIENT_CODES.contains(c);
  }

  /** Drops the query string of every URL in {@code message} (signed links carry secrets there). */
  public static String scrub(String message) {
    if (message == null) {
      return null;
    }
    String s = URL_QUERY.matcher(message).replaceAll("$1?<redacted>");
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
  }

  /** The error of a task the provider reports FAILED with {@code code} and {@code message}. */
  public static ErrorInfo failed(String code, String message) {
    String c = code == null || code.isBlank() ? "TASK_FAILED" : code;
    String m =
        message == null || message.isBlank()
            ? "the provider reports the task FAILED without a message"
            : scrub(message);
    return ErrorInfo.newBuilder()
        .setCode(c)
        .setMessage(m)
        .setRetryable(retryable(code))
        .setStage(ErrorStage.EXECUTION)
        .setField(null)
        .build();
  }
}
