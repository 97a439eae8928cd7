package io.wanpipeline.runtime.logging;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The request a thread is working on, in the logging context (SLF4J's MDC) for as long as the scope
 * is open: JSON logs carry {@code requestId}, {@code taskId} and {@code account} as fields, so one
 * request's lines can be found across services. Opened around the handling of one request (a
 * record, a provider call, an archive); closing restores what the thread had before, so scopes
 * nest. A null value leaves its key as it was.
 *
 * <pre>{@code
 * try (var scope = RequestLogContext.of(requestId, taskId, account)) {
 *   log.info("...");
 * }
 * }</pre>
 */
public final class RequestLogContext implements AutoCloseable {
  /** MDC key of the pipeline's request id. */
  public static final String REQUEST_ID = "requestId";

  /** MDC key of the provider's task id. */
  public static final String TASK_ID = "taskId";

  /** MDC key of the provider account. */
  public static final String ACCOUNT = "account";

  /** The longest record key put in the context as it is; longer ones are cut. */
  static final int MAX_KEY_CHARS = 128;

  private final Map<String, String> previous = new LinkedHashMap<>();

  private RequestLogContext() {}

  /** Puts the non-null values in the thread's logging context until {@link #close()}. */
  public static RequestLogContext of(String requestId, String taskId, String account) {
    RequestLogContext scope = new RequestLogContext();
    scope.put(REQUEST_ID, requestId);
    scope.put(TASK_ID, taskId);
    scope.put(ACCOUNT, account);
    return scope;
  }

  /**
   * A record key as a request id for the logging context: UTF-8, and cut at {@value #MAX_KEY_CHARS}
   * characters (a hostile key must not make every line of its record huge); null for no key.
   */
  public static String fromKey(byte[] key) {
    if (key == null) {
      return null;
    }
    String s = new String(key, 0, Math.min(key.length, MAX_KEY_CHARS * 4), StandardCharsets.UTF_8);
    return s.length() > MAX_KEY_CHARS ? s.substring(0, MAX_KEY_CHARS) + "..." : s;
  }

  private void put(String key, String value) {
    if (value != null) {
      previous.put(key, MDC.get(key));
      MDC.put(key, value);
    }
  }

  /** Restores the values the thread had when the scope opened. */
  @Override
  public void close() {
    previous.forEach(
        (key, value) -> {
          if (value == null) {
            MDC.remove(key);
          } else {
            MDC.put(key, value);
          }
        });
  }
}
