package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;

/** Renders tasks in the field sets the real service uses per state (docs/protocol.md 1.6, 1.7). */
final class TaskJson {

  private TaskJson() {}

  /**
   * The answer of {@code GET /api/v1/tasks/{id}}.
   *
   * @param link the signed result link, used only when SUCCEEDED
   */
  static ObjectNode query(
      ObjectMapper mapper,
      String requestId,
      SimulatedTask task,
      TaskBoard.Timeline timeline,
      String link,
      UsageStyle style) {
    ObjectNode root = mapper.createObjectNode();
    root.put("request_id", requestId);
    ObjectNode out = root.putObject("output");
    out.put("task_id", task.taskId);
    NativeStatus status = timeline.status();
    out.put("task_status", status.name());
    if (status == NativeStatus.UNKNOWN) {
      return root;
    }
    out.put("submit_time", ChinaTime.formatTaskTime(task.submitted));
    if (timeline.started() != null && status != NativeStatus.PENDING) {
      out.put("scheduled_time", ChinaTime.formatTaskTime(timeline.started()));
    }
    if (status.terminal() && timeline.ended() != null) {
      out.put("end_time", ChinaTime.formatTaskTime(timeline.ended()));
    }
    if (status == NativeStatus.SUCCEEDED) {
      out.put("video_url", link);
      String prompt = task.request.input().prompt();
      if (prompt != null) {
        out.put("orig_prompt", prompt);
        if (!Boolean.FALSE.equals(task.request.parameters().promptExtend())) {
          out.put("actual_prompt", prompt + " Cinematic lighting, smooth camera movement.");
        }
      }
      root.set("usage", usage(mapper, task, style));
    } else if (status == NativeStatus.FAILED) {
      out.put("code", task.failCode);
      out.put("message", task.failMessage);
    }
    return root;
  }

  /**
   * The {@code usage} of a SUCCEEDED task in {@code style}; a model with its own usage fields
   * ({@link SimulatedTask#usageFields}) reports only those, in every style.
   */
  static ObjectNode usage(ObjectMapper mapper, SimulatedTask task, UsageStyle style) {
    ObjectNode usage = mapper.createObjectNode();
    BigDecimal seconds = BigDecimal.valueOf(task.usageMillis, 3).stripTrailingZeros();
    if (!task.usageFields.isEmpty()) {
      // a model whose usage shape is unknown reports what is known, never a made-up tier
      for (String field : task.usageFields) {
        switch (field) {
          case "video_duration", "duration" -> putSeconds(usage, field, seconds);
          case "video_count" -> usage.put(field, 1);
          default -> throw new IllegalStateException("unknown usage field " + field);
        }
      }
      return usage;
    }
    if (style == UsageStyle.LEGACY) {
      putSeconds(usage, "video_duration", seconds);
      usage.put("video_ratio", task.size);
    } else {
      usage.put("SR", Integer.parseInt(task.tier.replace("P", "")));
      putSeconds(usage, "duration", seconds);
    }
    usage.put("video_count", 1);
    return usage;
  }

  /** One entry of the list answer; times are epoch milliseconds. */
  static ObjectNode listEntry(
      ObjectMapper mapper, SimulatedTask task, TaskBoard.Timeline timeline, String endpointKind) {
    ObjectNode e = mapper.createObjectNode();
    e.put("api_key_id", numericId(task.keyId, 6));
    e.put("caller_parent_id", numericId(task.account, 16));
    e.put("caller_uid", numericId(task.account, 16));
    if (timeline.ended() != null && timeline.status().terminal()) {
      e.put("end_time", timeline.ended().toEpochMilli());
    }
    e.put("gmt_create", task.submitted.toEpochMilli());
    e.put("model_name", task.model);
    e.put("region", "cn-beijing");
    e.put("request_id", task.providerRequestId);
    if (timeline.started() != null && timeline.status() != NativeStatus.PENDING) {
      e.put("start_time", timeline.started().toEpochMilli());
    }
    e.put("status", timeline.status().name());
    e.put("task_id", task.taskId);
    e.put(
        "user_api_unique_key", "apikey:v1:aigc:" + endpointKind + ":video-synthesis:" + task.model);
    return e;
  }

  private static void putSeconds(ObjectNode node, String field, BigDecimal seconds) {
    if (seconds.scale() <= 0) {
      node.put(field, seconds.longValueExact());
    } else {
      node.put(field, seconds);
    }
  }

  private static String numericId(String text, int digits) {
    String hex = OssLinkSigner.sha256Hex(text == null ? "" : text);
    long v = Long.parseUnsignedLong(hex.substring(0, 15), 16);
    String s = Long.toString(v);
    while (s.length() < digits) {
      s = "1" + s;
    }
    return s.substring(0, digits);
  }
}
