package io.wanpipeline.wan.dialect.mulerouter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.ResultLink;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dashscope.TaskResponseParser;
import io.wanpipeline.wan.dialect.EmbeddedErrorCode;
import io.wanpipeline.wan.dialect.GatewayTaskFailure;
import io.wanpipeline.wan.dialect.GatewayTime;
import io.wanpipeline.wan.http.SecretRedactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads MuleRouter answers (docs/protocol.md 5.1, 5.4; MuleRouter's task pages): {@code
 * {"task_info":{"id","status","created_at","updated_at","error"?},"videos"?:[url]}}, and its error
 * bodies. Tolerant: unknown fields are ignored. A failed task's failure is classified here ({@link
 * GatewayTaskFailure}): an upstream code in brackets decides by DashScope's rules, MuleRouter's own
 * codes ({@code 3001}, {@code 400}) are permanent.
 */
public final class MuleRouterAnswers {

  private static final int EXCERPT = 200;

  private static final GatewayTaskFailure FAILURES = new GatewayTaskFailure("mulerouter");

  private MuleRouterAnswers() {}

  /**
   * A MuleRouter error as it appears in {@code task_info.error} of a failed task or in a refused
   * call's body.
   *
   * @param code MuleRouter's error code as text ({@code 3001}, {@code 400}), or null
   * @param title short title ({@code Task Execution Error}), or null
   * @param detail what went wrong, already redacted, or null
   */
  public record ErrorInfo(String code, String title, String detail) {

    /** {@code title: detail}, whichever of the two are present; null when neither is. */
    public String text() {
      if (title == null) {
        return detail;
      }
      return detail == null ? title : title + ": " + detail;
    }

    /**
     * The code to classify by: the DashScope code the detail carries ({@code [InternalError.Algo]
     * ...}), else MuleRouter's own code.
     */
    public String effectiveCode() {
      String upstream = upstreamCode();
      return upstream != null ? upstream : code;
    }

    /** The DashScope code the detail (or title) carries in brackets, or null. */
    public String upstreamCode() {
      return EmbeddedErrorCode.find(detail).or(() -> EmbeddedErrorCode.find(title)).orElse(null);
    }
  }

  /**
   * MuleRouter's status words: {@code pending}/{@code queued}, {@code processing}/{@code running},
   * {@code completed}/{@code succeeded}, {@code failed}, {@code cancelled}; any other word counts
   * as still running.
   */
  public static ProviderStatus status(String word) {
    if (word == null) {
      return ProviderStatus.UNKNOWN;
    }
    return switch (word.trim().toLowerCase(Locale.ROOT)) {
      case "pending", "queued", "submitted" -> ProviderStatus.PENDING;
      case "completed", "succeeded", "success" -> ProviderStatus.SUCCEEDED;
      case "failed", "failure", "error" -> ProviderStatus.FAILED;
      case "cancelled", "canceled" -> ProviderStatus.CANCELED;
      default -> ProviderStatus.RUNNING;
    };
  }

  /**
   * Parses a create or query answer.
   *
   * @param taskId the id to report, normally the {@link MuleRouterTaskId} text
   */
  public static TaskSnapshot snapshot(JsonNode root, String taskId)
      throws MalformedResponseException {
    if (root == null || !root.isObject()) {
      throw new MalformedResponseException("task answer is not a JSON object");
    }
    JsonNode info = root.get("task_info");
    if (info == null || !info.isObject()) {
      throw new MalformedResponseException("task answer has no task_info object");
    }
    String word = text(info.get("status"));
    if (word == null) {
      throw new MalformedResponseException("task answer has no task_info.status");
    }
    ProviderStatus status = status(word);
    ResultLink link = status == ProviderStatus.SUCCEEDED ? link(root) : null;
    String code = null;
    String message = null;
    WanError failure = null;
    if (status == ProviderStatus.FAILED) {
      ErrorInfo error = errorInfo(info.get("error"));
      code = error.effectiveCode();
      message = error.text();
      failure = FAILURES.classify(error.upstreamCode(), error.code(), message);
    }
    return new TaskSnapshot(
        taskId,
        status,
        GatewayTime.parse(info.get("created_at")),
        null,
        status.terminal() ? GatewayTime.parse(info.get("updated_at")) : null,
        link,
        status == ProviderStatus.SUCCEEDED ? TaskResponseParser.usage(root.get("usage")) : null,
        code,
        message,
        failure);
  }

  /** The gateway's id of the task in a create answer ({@code task_info.id}); null when absent. */
  public static String gatewayTaskId(JsonNode root) {
    return root == null ? null : text(root.path("task_info").get("id"));
  }

  /**
   * The error in a refused call's body, wherever it is: {@code task_info.error}, {@code error}
   * (object or text), or top-level {@code code}/{@code title}/{@code detail} (or {@code message});
   * a body that is not JSON gives a short excerpt as detail. Never fails.
   */
  public static ErrorInfo error(byte[] body, ObjectMapper mapper) {
    if (body == null || body.length == 0) {
      return new ErrorInfo(null, null, null);
    }
    try {
      JsonNode root = mapper.readTree(body);
      if (root != null && root.isObject()) {
        JsonNode nested = root.path("task_info").get("error");
        if (nested != null && !nested.isNull()) {
          return errorInfo(nested);
        }
        if (root.path("error").isObject()) {
          return errorInfo(root.get("error"));
        }
        ErrorInfo top = errorInfo(root);
        if (top.detail() == null && top.title() == null && root.hasNonNull("error")) {
          return new ErrorInfo(top.code(), null, redact(text(root.get("error"))));
        }
        return top;
      }
    } catch (IOException e) {
      // not JSON: an excerpt below
    }
    String text = new String(body, StandardCharsets.UTF_8).strip();
    if (text.length() > EXCERPT) {
      text = text.substring(0, EXCERPT) + "...";
    }
    return new ErrorInfo(null, null, redact(text));
  }

  private static ErrorInfo errorInfo(JsonNode error) {
    if (error == null || error.isNull()) {
      return new ErrorInfo(null, null, null);
    }
    if (!error.isObject()) {
      return new ErrorInfo(null, null, redact(text(error)));
    }
    String detail = text(error.get("detail"));
    if (detail == null) {
      detail = text(error.get("message"));
    }
    return new ErrorInfo(text(error.get("code")), redact(text(error.get("title"))), redact(detail));
  }

  private static ResultLink link(JsonNode root) throws MalformedResponseException {
    String url = null;
    for (String key : new String[] {"videos", "video"}) {
      JsonNode v = root.get(key);
      if (v == null || v.isNull()) {
        continue;
      }
      JsonNode first = v.isArray() ? (v.isEmpty() ? null : v.get(0)) : v;
      if (first != null && first.isObject()) {
        first = first.get("url");
      }
      url = text(first);
      if (url != null && !url.isBlank()) {
        break;
      }
    }
    if (url == null || url.isBlank()) {
      return null;
    }
    try {
      return ResultLink.of(url.trim());
    } catch (IllegalArgumentException e) {
      throw new MalformedResponseException("videos[0] is not a valid URL");
    }
  }

  private static String redact(String s) {
    return s == null ? null : SecretRedactor.redact(s.strip());
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
  }
}
