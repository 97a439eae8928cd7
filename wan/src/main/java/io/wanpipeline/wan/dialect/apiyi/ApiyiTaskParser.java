package io.wanpipeline.wan.dialect.apiyi;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.ResultLink;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.ChinaTime;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dialect.GatewayTaskFailure;
import io.wanpipeline.wan.http.SecretRedactor;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Locale;

/**
 * Reads APIYI's normalized task, the answer of {@code GET /v1/tasks/{task_id}} (seed 002): a
 * top-level {@code status} ({@code submitted}, {@code in_progress}, {@code completed}, {@code
 * failed}; {@code unknown} once the task is older than 24 h), {@code progress} (often stuck at 30,
 * ignored here), {@code result_url} (the raw OSS signed link), {@code error.message} with the
 * upstream code in brackets and {@code fail_reason}. Times are epoch seconds or milliseconds
 * ({@code created_at}, {@code started_at}, {@code completed_at}, or new-api's {@code submit_time},
 * {@code start_time}, {@code finish_time}). The answer carries no usage. A failed task's failure is
 * classified here by the upstream code APIYI relays, with DashScope's rules ({@link
 * GatewayTaskFailure}); without a code it is permanent. Tolerant: unknown fields are ignored, a
 * {@code {"data":{...}}} envelope is opened, and unknown status words read as RUNNING, like unknown
 * native ones.
 */
final class ApiyiTaskParser {

  private static final GatewayTaskFailure FAILURES = new GatewayTaskFailure(ApiyiClient.DIALECT);

  private ApiyiTaskParser() {}

  /**
   * The snapshot of a normalized task.
   *
   * @param root the answer
   * @param askedTaskId the id asked about, used when the answer names none
   */
  static TaskSnapshot snapshot(JsonNode root, String askedTaskId)
      throws MalformedResponseException {
    if (root == null || !root.isObject()) {
      throw new MalformedResponseException("task answer is not a JSON object");
    }
    JsonNode task = root;
    if (!root.has("status") && root.path("data").isObject()) {
      task = root.get("data");
    }
    String statusText = text(task, "status");
    if (statusText == null) {
      throw new MalformedResponseException("task answer has no status");
    }
    ProviderStatus status = status(statusText);
    String taskId = first(text(task, "task_id"), text(task, "id"), askedTaskId);
    ResultLink link = null;
    String url = text(task, "result_url");
    if (status == ProviderStatus.SUCCEEDED && url != null) {
      try {
        link = ResultLink.of(url);
      } catch (IllegalArgumentException e) {
        throw new MalformedResponseException("result_url is not a valid URL");
      }
    }
    String code = null;
    String message = null;
    WanError failure = null;
    if (status == ProviderStatus.FAILED) {
      JsonNode error = task.get("error");
      ApiyiErrors.Bracketed fromError =
          ApiyiErrors.Bracketed.of(error == null ? null : text(error, "message"));
      ApiyiErrors.Bracketed fromReason = ApiyiErrors.Bracketed.of(text(task, "fail_reason"));
      code = first(fromError.code(), error == null ? null : text(error, "code"), fromReason.code());
      message = SecretRedactor.redact(first(fromError.text(), fromReason.text(), null));
      // APIYI passes the upstream's code through (bracketed or as error.code): DashScope's rules
      failure = FAILURES.classify(code, null, message);
    }
    return new TaskSnapshot(
        taskId,
        status,
        time(task, "created_at", "submit_time"),
        status == ProviderStatus.PENDING ? null : time(task, "started_at", "start_time"),
        status.terminal() ? time(task, "completed_at", "finish_time") : null,
        link,
        null,
        code,
        message,
        failure);
  }

  /** APIYI's status word, or a native one, as a provider status. */
  static ProviderStatus status(String word) {
    return switch (word.trim().toLowerCase(Locale.ROOT)) {
      case "submitted", "queued", "pending", "not_start" -> ProviderStatus.PENDING;
      case "in_progress", "processing", "running" -> ProviderStatus.RUNNING;
      case "completed", "succeeded", "success" -> ProviderStatus.SUCCEEDED;
      case "failed", "failure" -> ProviderStatus.FAILED;
      case "canceled", "cancelled" -> ProviderStatus.CANCELED;
      case "unknown" -> ProviderStatus.UNKNOWN;
      default -> ProviderStatus.RUNNING;
    };
  }

  private static Instant time(JsonNode node, String field, String alternative) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      v = node.get(alternative);
    }
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isNumber() || (v.isTextual() && v.asText().trim().matches("\\d+"))) {
      long n = new BigDecimal(v.asText().trim()).longValue();
      if (n <= 0) {
        return null;
      }
      return n > 100_000_000_000L ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n);
    }
    String t = v.asText().trim();
    try {
      return Instant.parse(t);
    } catch (DateTimeException e) {
      return ChinaTime.parseTaskTime(t).orElse(null);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull() || v.isContainerNode()) {
      return null;
    }
    String s = v.asText().strip();
    return s.isEmpty() ? null : s;
  }

  private static String first(String a, String b, String c) {
    return a != null ? a : b != null ? b : c;
  }
}
