package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /api/v1/tasks}: the account's tasks in a time window of at most 24 hours, filtered by
 * model, status or task id, a page at a time (docs/protocol.md 1.7), under the same key check and
 * query budget as a task query.
 */
final class TaskListRoute {
  private static final Duration LIST_MAX_RANGE = Duration.ofHours(24);

  private final SimulatorHandler upstream;

  TaskListRoute(SimulatorHandler upstream) {
    this.upstream = upstream;
  }

  void serve(FaultDice.Decision decision, Request req, Response res, Callback cb) {
    Instant now = upstream.config().clock().instant();
    String key = HttpReplies.bearer(req);
    SimulatorHandler.Caller caller = upstream.caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      upstream
          .ledger()
          .record(
              new SimulatorLedger.ListCall(now, account, keyId, Refusal.faultStatus(decision), 0));
      upstream.injectFault(decision, req, res, cb, now);
      return;
    }
    Refusal refusal = SimulatorHandler.authRefusal(key, caller);
    if (refusal == null
        && upstream.config().enforceRateLimits()
        && !upstream.queryBudget(account, now)) {
      refusal = Refusal.throttled();
    }
    Fields params = Request.extractQueryParameters(req, StandardCharsets.UTF_8);
    Instant start = null;
    Instant end = null;
    int pageNo = 1;
    int pageSize = 10;
    if (refusal == null) {
      try {
        start = listTime(params.getValue("start_time"), "start_time");
        end = listTime(params.getValue("end_time"), "end_time");
        pageNo = positiveInt(params.getValue("page_no"), "page_no", 1);
        pageSize = positiveInt(params.getValue("page_size"), "page_size", 10);
      } catch (IllegalArgumentException e) {
        refusal = new Refusal(400, "InvalidParameter", e.getMessage());
      }
    }
    if (refusal == null) {
      if (start == null && end == null) {
        end = now;
        start = now.minus(LIST_MAX_RANGE);
      } else if (start == null) {
        start = end.minus(LIST_MAX_RANGE);
      } else if (end == null) {
        end = start.plus(LIST_MAX_RANGE);
      } else {
        end = end.plusMillis(999); // end_time has second precision and is inclusive
      }
      if (Duration.between(start, end).compareTo(LIST_MAX_RANGE.plusSeconds(1)) > 0
          || end.isBefore(start)) {
        refusal =
            new Refusal(
                400,
                "InvalidParameter",
                "The time range between start_time and end_time must be within 24 hours.");
      }
    }
    if (refusal != null) {
      upstream
          .ledger()
          .record(new SimulatorLedger.ListCall(now, account, keyId, refusal.status(), 0));
      upstream.writeRefusal(res, cb, refusal, now);
      return;
    }
    String model = params.getValue("model_name");
    String status = params.getValue("status");
    String onlyTask = params.getValue("task_id");
    List<ObjectNode> matching = new ArrayList<>();
    for (SimulatedTask t : upstream.board().tasksOf(account, now)) {
      if (t.submitted.isBefore(start) || t.submitted.isAfter(end)) {
        continue;
      }
      if (model != null && !model.isEmpty() && !model.equals(t.model)) {
        continue;
      }
      if (onlyTask != null && !onlyTask.isEmpty() && !onlyTask.equals(t.taskId)) {
        continue;
      }
      TaskBoard.Timeline timeline = upstream.board().timeline(t, now);
      if (status != null
          && !status.isEmpty()
          && !status.toUpperCase(Locale.ROOT).equals(timeline.status().name())) {
        continue;
      }
      String kind = t.endpointPath.contains("/image2video/") ? "image2video" : "video-generation";
      matching.add(TaskJson.listEntry(upstream.mapper(), t, timeline, kind));
    }
    int total = matching.size();
    int totalPages = total == 0 ? 0 : (total + pageSize - 1) / pageSize;
    int from = (int) Math.min((long) (pageNo - 1) * pageSize, total);
    int to = Math.min(from + pageSize, total);
    ObjectNode body = upstream.mapper().createObjectNode();
    body.put("total", total);
    ArrayNode data = body.putArray("data");
    matching.subList(from, to).forEach(data::add);
    body.put("total_page", totalPages);
    body.put("page_no", pageNo);
    body.put("request_id", UUID.randomUUID().toString());
    body.put("page_size", pageSize);
    upstream.ledger().record(new SimulatorLedger.ListCall(now, account, keyId, 200, to - from));
    HttpReplies.write(res, cb, 200, SimulatorHandler.JSON_TYPE, upstream.bytes(body), Map.of());
  }

  private static Instant listTime(String value, String name) {
    if (value == null || value.isBlank()) {
      return null;
    }
    return ChinaTime.parseListFilter(value)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "The format of " + name + " is invalid, it must be YYYYMMDDhhmmss."));
  }

  private static int positiveInt(String value, String name, int fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int v = Integer.parseInt(value.trim());
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // falls through
    }
    throw new IllegalArgumentException("The value of " + name + " must be a positive integer.");
  }
}
