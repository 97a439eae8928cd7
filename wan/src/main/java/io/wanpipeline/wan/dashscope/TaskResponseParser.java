package io.wanpipeline.wan.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.ResultLink;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.TaskUsage;
import io.wanpipeline.wan.catalogue.Tiers;
import io.wanpipeline.wan.http.SecretRedactor;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads DashScope task and list answers (docs/protocol.md 1.6, 1.7) from a Jackson tree,
 * tolerantly: unknown fields are ignored, both {@code usage} generations are understood, numbers
 * may arrive as strings.
 */
public final class TaskResponseParser {

  private TaskResponseParser() {}

  /**
   * Parses the answer of {@code GET /api/v1/tasks/{id}}; a FAILED task's {@code output.code} is
   * classified by DashScope's rules ({@link DashScopeErrorClassifier#taskFailure(String, String)}).
   */
  public static TaskSnapshot snapshot(JsonNode root) throws MalformedResponseException {
    if (root == null || !root.isObject()) {
      throw new MalformedResponseException("task answer is not a JSON object");
    }
    JsonNode output = root.get("output");
    if (output == null || !output.isObject()) {
      throw new MalformedResponseException("task answer has no output object");
    }
    String taskId = text(output, "task_id");
    String statusText = text(output, "task_status");
    if (statusText == null) {
      throw new MalformedResponseException("task answer has no output.task_status");
    }
    ProviderStatus status = ProviderStatus.fromNative(statusText);
    ResultLink link = null;
    String url = text(output, "video_url");
    if (url != null && !url.isBlank()) {
      try {
        link = ResultLink.of(url.trim());
      } catch (IllegalArgumentException e) {
        throw new MalformedResponseException("output.video_url is not a valid URL");
      }
    }
    TaskUsage usage = usage(root.get("usage"));
    String code = null;
    String message = null;
    if (status == ProviderStatus.FAILED || output.hasNonNull("code")) {
      code = text(output, "code");
      message = SecretRedactor.redact(text(output, "message"));
    }
    return new TaskSnapshot(
        taskId,
        status,
        time(output, "submit_time"),
        time(output, "scheduled_time"),
        time(output, "end_time"),
        link,
        usage,
        code,
        message,
        status == ProviderStatus.FAILED
            ? DashScopeErrorClassifier.taskFailure(code, message)
            : null);
  }

  /**
   * Parses a {@code usage} object of either generation; null when absent or when it reports no
   * usable output seconds (none, negative, or more milliseconds than a long holds).
   */
  public static TaskUsage usage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    Optional<BigDecimal> seconds = decimal(usage, "output_video_duration");
    if (seconds.isEmpty()) {
      seconds = decimal(usage, "duration");
    }
    if (seconds.isEmpty()) {
      seconds = decimal(usage, "video_duration");
    }
    OptionalLong output = TaskUsage.millisOf(seconds.orElse(null));
    if (output.isEmpty()) {
      return null;
    }
    long millis = output.getAsLong();
    String tier = tierFromSr(usage.get("SR"));
    if (tier == null) {
      tier = tierOfSize(text(usage, "video_ratio"));
    }
    if (tier == null) {
      tier = tierOfSize(text(usage, "size"));
    }
    int count = decimal(usage, "video_count").map(BigDecimal::intValue).orElse(1);
    Boolean audio = bool(usage.get("audio"));
    return new TaskUsage(millis, tier, count, audio, null, null);
  }

  /** Parses the answer of {@code GET /api/v1/tasks?...}; list times are epoch milliseconds. */
  public static TaskPage page(JsonNode root) throws MalformedResponseException {
    if (root == null || !root.isObject()) {
      throw new MalformedResponseException("list answer is not a JSON object");
    }
    JsonNode data = root.get("data");
    if (data != null && !data.isNull() && !data.isArray()) {
      throw new MalformedResponseException("list answer's data is not an array");
    }
    List<TaskPage.Entry> entries = new ArrayList<>();
    if (data != null && data.isArray()) {
      for (JsonNode e : data) {
        entries.add(
            new TaskPage.Entry(
                text(e, "task_id"),
                ProviderStatus.fromNative(text(e, "status")),
                text(e, "model_name"),
                text(e, "request_id"),
                epochMillis(e, "gmt_create"),
                epochMillis(e, "start_time"),
                epochMillis(e, "end_time")));
      }
    }
    int total = decimal(root, "total").map(BigDecimal::intValue).orElse(entries.size());
    int totalPages = decimal(root, "total_page").map(BigDecimal::intValue).orElse(1);
    int pageNo = decimal(root, "page_no").map(BigDecimal::intValue).orElse(1);
    int pageSize = decimal(root, "page_size").map(BigDecimal::intValue).orElse(entries.size());
    return new TaskPage(total, totalPages, pageNo, pageSize, entries);
  }

  /**
   * The resolution tier ({@code 480P}, {@code 720P}, {@code 1080P}) of a {@code W*H} size string
   * (also {@code WxH}), by the catalogue's rule; null when the text is not a size.
   */
  public static String tierOfSize(String size) {
    if (size == null) {
      return null;
    }
    String s = size.trim().toLowerCase(Locale.ROOT).replace('x', '*').replace(" ", "");
    return Tiers.ofSize(s).orElse(null);
  }

  private static String tierFromSr(JsonNode sr) {
    if (sr == null || sr.isNull()) {
      return null;
    }
    String text = sr.asText().trim().toUpperCase(Locale.ROOT);
    if (text.endsWith("P")) {
      text = text.substring(0, text.length() - 1);
    }
    try {
      int lines = new BigDecimal(text).intValue();
      return lines > 0 ? lines + "P" : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Instant time(JsonNode node, String field) {
    return ChinaTime.parseTaskTime(text(node, field)).orElse(null);
  }

  private static Instant epochMillis(JsonNode node, String field) {
    return decimal(node, field).map(d -> Instant.ofEpochMilli(d.longValue())).orElse(null);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
  }

  private static Optional<BigDecimal> decimal(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (v.isNumber()) {
      return Optional.of(v.decimalValue());
    }
    if (v.isTextual()) {
      try {
        return Optional.of(new BigDecimal(v.asText().trim()));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static Boolean bool(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual()) {
      String t = v.asText().trim();
      if (t.equalsIgnoreCase("true")) {
        return Boolean.TRUE;
      }
      if (t.equalsIgnoreCase("false")) {
        return Boolean.FALSE;
      }
    }
    return null;
  }
}
