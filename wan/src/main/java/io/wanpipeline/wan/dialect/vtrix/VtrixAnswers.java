package io.wanpipeline.wan.dialect.vtrix;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.ResultLink;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.TaskUsage;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dashscope.TaskResponseParser;
import io.wanpipeline.wan.dialect.EmbeddedErrorCode;
import io.wanpipeline.wan.dialect.GatewayTaskFailure;
import io.wanpipeline.wan.dialect.GatewayTime;
import io.wanpipeline.wan.http.SecretRedactor;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Reads Vtrix task objects (SEED-4, docs/protocol.md 5.5): {@code {id, status, model, created_at,
 * progress, output:[{content:[{type, url, duration, jobId}]}], error:{code,message}, usage:{cost,
 * quantity, unit_price, extra_info}}}, as answered by both the create and the query call. Tolerant:
 * numbers may be strings, {@code error} may be plain text, unknown fields are ignored. A failed
 * task's failure is classified here ({@link GatewayTaskFailure}): an upstream code in brackets
 * decides by DashScope's rules, Vtrix's own codes ({@code 002014001}) are permanent.
 */
public final class VtrixAnswers {

  /** Currency of {@code usage.cost} ("Total cost in USD", SEED-4). */
  public static final String COST_CURRENCY = "USD";

  private static final GatewayTaskFailure FAILURES = new GatewayTaskFailure("vtrix");

  private VtrixAnswers() {}

  /**
   * Vtrix's status words: {@code pending} (CLI), {@code in_progress}/{@code processing}, {@code
   * completed}, {@code failed}; any other word counts as still running. {@code in_progress} covers
   * queueing too, so Vtrix tasks are seen RUNNING from the first answer.
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

  /** The task's id; null when the object has none. */
  public static String taskId(JsonNode root) {
    return root == null ? null : text(root.get("id"));
  }

  /** Parses one task object. */
  public static TaskSnapshot snapshot(JsonNode root) throws MalformedResponseException {
    if (root == null || !root.isObject()) {
      throw new MalformedResponseException("task answer is not a JSON object");
    }
    String word = text(root.get("status"));
    if (word == null) {
      throw new MalformedResponseException("task answer has no status");
    }
    ProviderStatus status = status(word);
    JsonNode video = status == ProviderStatus.SUCCEEDED ? firstVideo(root.get("output")) : null;
    ResultLink link = null;
    if (video != null) {
      String url = text(video.get("url"));
      if (url != null && !url.isBlank()) {
        try {
          link = ResultLink.of(url.trim());
        } catch (IllegalArgumentException e) {
          throw new MalformedResponseException("output content url is not a valid URL");
        }
      }
    }
    String code = null;
    String message = null;
    WanError failure = null;
    if (status == ProviderStatus.FAILED) {
      JsonNode error = root.get("error");
      String gatewayCode = error != null && error.isObject() ? text(error.get("code")) : null;
      String text =
          error != null && error.isObject()
              ? firstText(error.get("message"), error.get("detail"))
              : text(error);
      message = text == null ? null : SecretRedactor.redact(text.strip());
      String upstream = EmbeddedErrorCode.find(message).orElse(null);
      code = upstream != null ? upstream : gatewayCode;
      failure = FAILURES.classify(upstream, gatewayCode, message);
    }
    return new TaskSnapshot(
        taskId(root),
        status,
        GatewayTime.parse(root.get("created_at")),
        null,
        status.terminal() ? endTime(root) : null,
        link,
        status == ProviderStatus.SUCCEEDED ? usage(root, video) : null,
        code,
        message,
        failure);
  }

  /**
   * What a completed task produced: seconds from the video item's {@code duration}, else {@code
   * usage.quantity}; the tier from {@code usage.extra_info} ({@code resolution}, {@code SR}) when
   * Vtrix reports one; the charge {@code usage.cost} in USD. Null when no seconds are reported.
   */
  static TaskUsage usage(JsonNode root, JsonNode video) {
    JsonNode usage = root.get("usage");
    BigDecimal seconds = video == null ? null : decimal(video.get("duration"));
    if (seconds == null && usage != null && usage.isObject()) {
      seconds = decimal(usage.get("quantity"));
    }
    OptionalLong output = TaskUsage.millisOf(seconds);
    if (output.isEmpty()) {
      return null;
    }
    long millis = output.getAsLong();
    String tier = null;
    String cost = null;
    Boolean audio = null;
    if (usage != null && usage.isObject()) {
      JsonNode extra = usage.path("extra_info");
      if (extra.isObject()) {
        tier = tierWord(firstText(extra.get("resolution"), extra.get("SR"), extra.get("size")));
        JsonNode a = extra.get("audio");
        audio = a != null && a.isBoolean() ? a.booleanValue() : null;
      }
      BigDecimal c = decimal(usage.get("cost"));
      cost = c == null ? null : c.toPlainString();
    }
    int videos = countVideos(root.get("output"));
    return new TaskUsage(
        millis, tier, Math.max(1, videos), audio, cost, cost == null ? null : COST_CURRENCY);
  }

  private static String tierWord(String resolution) {
    if (resolution == null) {
      return null;
    }
    String r = resolution.trim().toUpperCase(Locale.ROOT);
    if (r.matches("\\d{3,4}P?")) {
      return r.endsWith("P") ? r : r + "P";
    }
    return TaskResponseParser.tierOfSize(resolution);
  }

  private static JsonNode firstVideo(JsonNode output) {
    if (output == null || !output.isArray()) {
      return null;
    }
    for (JsonNode group : output) {
      JsonNode content = group.get("content");
      if (content == null || !content.isArray()) {
        continue;
      }
      for (JsonNode item : content) {
        String type = text(item.get("type"));
        if (type == null || type.toLowerCase(Locale.ROOT).startsWith("video")) {
          return item;
        }
      }
    }
    return null;
  }

  private static int countVideos(JsonNode output) {
    int n = 0;
    if (output != null && output.isArray()) {
      for (JsonNode group : output) {
        for (JsonNode item : group.path("content")) {
          String type = text(item.get("type"));
          if (type == null || type.toLowerCase(Locale.ROOT).startsWith("video")) {
            n++;
          }
        }
      }
    }
    return n;
  }

  private static java.time.Instant endTime(JsonNode root) {
    for (String field : new String[] {"completed_at", "finished_at", "updated_at"}) {
      java.time.Instant t = GatewayTime.parse(root.get(field));
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  private static BigDecimal decimal(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    if (v.isTextual()) {
      String t = v.asText().trim();
      if (t.endsWith("s")) {
        t = t.substring(0, t.length() - 1).trim();
      }
      try {
        return new BigDecimal(t);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static String firstText(JsonNode... nodes) {
    for (JsonNode n : nodes) {
      String t = text(n);
      if (t != null && !t.isBlank()) {
        return t;
      }
    }
    return null;
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
  }
}
