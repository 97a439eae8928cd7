package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.infra.simulator.CreateAdmission.Admission;
import io.wanpipeline.infra.simulator.CreateAdmission.Admitted;
import io.wanpipeline.infra.simulator.CreateAdmission.CreateCall;
import io.wanpipeline.infra.simulator.CreateAdmission.Rejected;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vtrix (seed 004, docs/protocol.md 5.1 and 5.5, the Vtrix CLI's task struct), a gateway with its
 * own model ids and task objects in front of the native upstream:
 *
 * <ul>
 *   <li>{@code POST /model/v1/generation} with Vtrix's model id ({@link #MODELS}) in either
 *       envelope seen in Vtrix's material: the model page's {@code {"model", "input":{...},
 *       "parameters":{...}}} or the CLI's {@code {"model", "input":[{"params":{...}}]}}, whose
 *       {@code params} holds the Wan {@code input}/{@code parameters} objects (or, flat, their
 *       fields). Answers HTTP 200 with the task object as it stands, so a task that is already done
 *       is answered {@code completed}.
 *   <li>{@code GET /model/v1/generation/task/{id}}: the task object {@code {id, status, model,
 *       created_at (epoch s), progress 0..1, output:[{content:[{type:"video", url, duration,
 *       jobId}]}], error:{code, message}, usage:{cost, quantity, unit_price, discount, extra_info},
 *       metadata}}; {@code status} {@code in_progress} (queued or generating, as the model page has
 *       it), {@code completed} or {@code failed}; a failure is {@code 002014001} "Video generation
 *       failed" with the upstream code in brackets; {@code usage} only when completed, {@code cost}
 *       in USD at this simulator's unit prices ({@link #unitPrice}). A task of another account or
 *       one the upstream forgot answers 404.
 *   <li>Errors of a call: HTTP status with {@code {"code": "<status>", "message"}} (the CLI reads
 *       {@code message}): 401 bad key, 400 unknown model or unreadable body or the upstream's
 *       parameter refusals, 429 with {@code Retry-After}, 500, 503. No cancel, no list.
 * </ul>
 *
 * <p>⚠ The result link is the simulator's OSS-style signed link; the error body of a refused call
 * and the unit prices are this simulator's reading of the material, not captures.
 */
final class VtrixFrontEnd extends Handler.Abstract {

  private static final Logger LOG = LoggerFactory.getLogger(VtrixFrontEnd.class);

  /** The create path. */
  static final String GENERATION = "/model/v1/generation";

  /** The query path's prefix. */
  static final String TASKS = GENERATION + "/task/";

  /** The failure code of seed 004: "Video generation failed". */
  static final String GENERATION_FAILED = "002014001";

  /** Vtrix's ids of the Wan models it documents, to ours. */
  static final Map<String, String> MODELS =
      Map.of(
          "wan22_i2v_flash", "wan2.2-i2v-flash",
          "wan22_t2v_plus", "wan2.2-t2v-plus",
          "wan25_i2v_preview_intl", "wan2.5-i2v-preview");

  private static final Set<String> WAN_OBJECTS = Set.of("input", "parameters");
  private static final Set<String> PARAMETER_FIELDS =
      Set.of(
          "resolution",
          "size",
          "ratio",
          "duration",
          "prompt_extend",
          "watermark",
          "audio",
          "seed",
          "shot_type");

  private final SimulatorHandler upstream;

  VtrixFrontEnd(SimulatorHandler upstream) {
    this.upstream = upstream;
  }

  @Override
  public boolean handle(Request req, Response res, Callback cb) {
    String path = Request.getPathInContext(req);
    if (!path.startsWith("/model/")) {
      return false;
    }
    String method = req.getMethod();
    if (method.equals("POST") && path.equals(GENERATION)) {
      upstream.dispatch(Route.CREATE, path, req, cb, d -> create(d, path, req, res, cb));
    } else if (method.equals("GET")
        && path.startsWith(TASKS)
        && path.length() > TASKS.length()
        && path.indexOf('/', TASKS.length()) < 0) {
      String taskId = path.substring(TASKS.length());
      upstream.dispatch(Route.QUERY, path, req, cb, d -> query(d, taskId, req, res, cb));
    } else {
      HttpReplies.readBody(req);
      writeError(res, cb, 404, "not found: " + method + " " + path, Map.of());
    }
    return true;
  }

  // ---------------------------------------------------------------- create

  private void create(
      FaultDice.Decision decision, String path, Request req, Response res, Callback cb) {
    GatewayCall call = GatewayCall.of(upstream, req);
    Instant now = call.now();
    String account = call.account();
    String text = HttpReplies.readBody(req);
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      // recorded before the answer goes out, so a client that got it finds it in the ledger
      call.faultSubmission(decision, null, path);
      upstream.injectFault(decision, req, res, cb, r -> writeRefusal(res, cb, r));
      return;
    }
    if (call.caller() == null) {
      call.submission(null, path, 401, "401");
      writeError(
          res, cb, 401, call.key() == null ? "missing api key" : "invalid api key", Map.of());
      return;
    }
    JsonNode body = upstream.parseJson(text);
    String gatewayModel =
        body != null && body.path("model").isTextual() ? body.path("model").asText().trim() : null;
    String ours = gatewayModel == null ? null : MODELS.get(gatewayModel);
    String refused = null;
    ObjectNode nativeBody = null;
    if (body == null || !body.isObject()) {
      refused = "the request body must be a JSON object";
    } else if (gatewayModel == null || gatewayModel.isEmpty()) {
      refused = "model is required";
    } else if (ours == null) {
      refused = "model '" + gatewayModel + "' is not supported";
    } else {
      nativeBody = nativeBody(ours, body.get("input"), body.get("parameters"));
      if (nativeBody == null) {
        refused = "input must be an object or an array of {params}";
      }
    }
    if (refused != null) {
      LOG.debug(
          "create refused requestId={} model={} reason={}",
          call.pipelineRequestId(),
          ours,
          refused);
      call.submission(ours, path, 400, "400");
      writeError(res, cb, 400, refused, Map.of());
      return;
    }
    Admission admission =
        upstream.admit(
            new CreateCall(
                call.pipelineRequestId(), call.caller(), path, nativeBody, true, null, now));
    if (admission instanceof Rejected rejected) {
      LOG.debug(
          "create refused requestId={} model={} code={}",
          call.pipelineRequestId(),
          ours,
          rejected.refusal().code());
      writeRefusal(res, cb, rejected.refusal());
    } else if (admission instanceof Admitted admitted && !admitted.lostReply()) {
      SimulatedTask task = admitted.task();
      TaskBoard.Timeline timeline = upstream.board().timeline(task, now);
      HttpReplies.write(
          res,
          cb,
          200,
          SimulatorHandler.JSON_TYPE,
          upstream.bytes(taskJson(task, timeline, now)),
          Map.of());
    } else if (admission instanceof Admitted) {
      writeRefusal(res, cb, Refusal.internalError());
    } else {
      HttpReplies.reset(req, cb);
    }
  }

  /**
   * The native body under our model id, from either envelope; null when {@code input} is neither an
   * object nor an array whose first element holds a {@code params} object.
   */
  private ObjectNode nativeBody(String ourModel, JsonNode input, JsonNode parameters) {
    ObjectNode body = upstream.mapper().createObjectNode();
    body.put("model", ourModel);
    if (input != null && input.isObject()) {
      body.set("input", input);
      if (parameters != null && !parameters.isNull()) {
        body.set("parameters", parameters);
      }
      return body;
    }
    if (input == null || !input.isArray() || input.isEmpty()) {
      return null;
    }
    JsonNode params = input.get(0).get("params");
    if (params == null || !params.isObject()) {
      return null;
    }
    if (params.has("input") || params.has("parameters")) {
      params.properties().stream()
          .filter(e -> WAN_OBJECTS.contains(e.getKey()))
          .forEach(e -> body.set(e.getKey(), e.getValue()));
      return body;
    }
    // flat params, as the CLI sends for other models: split them the native way
    ObjectNode in = body.putObject("input");
    ObjectNode ps = body.putObject("parameters");
    params
        .properties()
        .forEach(
            e -> (PARAMETER_FIELDS.contains(e.getKey()) ? ps : in).set(e.getKey(), e.getValue()));
    return body;
  }

  // ---------------------------------------------------------------- query

  private void query(
      FaultDice.Decision decision, String taskId, Request req, Response res, Callback cb) {
    GatewayCall call = GatewayCall.of(upstream, req);
    Instant now = call.now();
    String account = call.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      call.poll(taskId, null, Refusal.faultStatus(decision));
      upstream.injectFault(decision, req, res, cb, r -> writeRefusal(res, cb, r));
      return;
    }
    if (call.caller() == null) {
      call.poll(taskId, null, 401);
      writeError(
          res, cb, 401, call.key() == null ? "missing api key" : "invalid api key", Map.of());
      return;
    }
    if (upstream.config().enforceRateLimits() && !upstream.queryBudget(account, now)) {
      call.poll(taskId, null, 429);
      writeRefusal(res, cb, Refusal.throttled());
      return;
    }
    Optional<SimulatedTask> found =
        upstream
            .board()
            .find(taskId, now)
            .filter(t -> t.account.equals(account) && t.endpointPath.equals(GENERATION));
    TaskBoard.Timeline timeline = found.map(t -> upstream.board().timeline(t, now)).orElse(null);
    if (timeline == null || timeline.status() == NativeStatus.UNKNOWN) {
      call.poll(taskId, NativeStatus.UNKNOWN.name(), 404);
      writeError(res, cb, 404, "task not found", Map.of());
      return;
    }
    call.poll(taskId, timeline.status().name(), 200);
    LOG.debug("query taskId={} status={}", taskId, timeline.status());
    HttpReplies.write(
        res,
        cb,
        200,
        SimulatorHandler.JSON_TYPE,
        upstream.bytes(taskJson(found.get(), timeline, now)),
        Map.of());
  }

  private ObjectNode taskJson(SimulatedTask task, TaskBoard.Timeline timeline, Instant now) {
    NativeStatus status = timeline.status();
    ObjectNode o = upstream.mapper().createObjectNode();
    o.put("id", task.taskId);
    o.put("status", word(status));
    o.put("model", gatewayId(task.model));
    o.put("created_at", task.submitted.getEpochSecond());
    o.put("progress", progress(task, timeline, now));
    if (status == NativeStatus.SUCCEEDED) {
      BigDecimal seconds = BigDecimal.valueOf(task.usageMillis, 3).stripTrailingZeros();
      ObjectNode item = o.putArray("output").addObject().putArray("content").addObject();
      item.put("type", "video");
      item.put("url", upstream.signedLink(task, timeline.ended(), now));
      item.put("duration", seconds.toPlainString());
      item.put("jobId", task.taskId);
      BigDecimal price = unitPrice(task.model, task.tier);
      ObjectNode usage = o.putObject("usage");
      usage.put(
          "cost",
          price
              .multiply(seconds)
              .setScale(6, RoundingMode.HALF_UP)
              .stripTrailingZeros()
              .toPlainString());
      usage.put("quantity", seconds.setScale(0, RoundingMode.CEILING).intValue());
      usage.put("unit_price", price.toPlainString());
      usage.put("discount", 0);
      usage.putObject("extra_info").put("resolution", task.tier);
    } else if (status == NativeStatus.FAILED || status == NativeStatus.CANCELED) {
      ObjectNode error = o.putObject("error");
      error.put("code", GENERATION_FAILED);
      error.put(
          "message",
          status == NativeStatus.CANCELED
              ? "Video generation failed: [Canceled] The task was canceled."
              : "Video generation failed: [" + task.failCode + "] " + task.failMessage);
    }
    o.putObject("metadata");
    return o;
  }

  private static String word(NativeStatus status) {
    return switch (status) {
      case PENDING, RUNNING -> "in_progress";
      case SUCCEEDED -> "completed";
      case FAILED, CANCELED, UNKNOWN -> "failed";
    };
  }

  /** 0 while queued, the share of the generating time passed while running, 1 once ended. */
  private static double progress(SimulatedTask task, TaskBoard.Timeline timeline, Instant now) {
    NativeStatus status = timeline.status();
    if (status.terminal()) {
      return 1.0;
    }
    if (status != NativeStatus.RUNNING || timeline.started() == null) {
      return 0.0;
    }
    long total = Math.max(1, task.runningTime.toMillis());
    long done = Duration.between(timeline.started(), now).toMillis();
    return Math.min(0.99, Math.floor(100.0 * done / total) / 100.0);
  }

  /**
   * USD per output second: the Beijing CNY list price x 0.14 (the gateway mark-up APIYI documents,
   * docs/protocol.md 3) for the Wan 2.2 models, the Singapore list price for wan2.5; 0.05
   * otherwise.
   */
  static BigDecimal unitPrice(String model, String tier) {
    String t = tier == null ? "" : tier;
    String price =
        switch (model) {
          case "wan2.2-i2v-flash" -> t.equals("720P") ? "0.028" : "0.014";
          case "wan2.2-t2v-plus" -> t.equals("1080P") ? "0.098" : "0.0196";
          case "wan2.5-i2v-preview" ->
              switch (t) {
                case "480P" -> "0.05";
                case "1080P" -> "0.15";
                default -> "0.10";
              };
          default -> "0.05";
        };
    return new BigDecimal(price);
  }

  private static String gatewayId(String ourModel) {
    return MODELS.entrySet().stream()
        .filter(e -> e.getValue().equals(ourModel))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(ourModel);
  }

  // ---------------------------------------------------------------- answers

  private void writeRefusal(Response res, Callback cb, Refusal r) {
    Map<String, String> headers = new HashMap<>();
    if (r.status() == 429 && upstream.config().retryAfter() != null) {
      long seconds = (upstream.config().retryAfter().toMillis() + 999) / 1000;
      headers.put("Retry-After", Long.toString(seconds));
    }
    writeError(res, cb, r.status(), "[" + r.code() + "] " + r.message(), headers);
  }

  private void writeError(
      Response res, Callback cb, int status, String message, Map<String, String> headers) {
    ObjectNode body = upstream.mapper().createObjectNode();
    body.put("code", Integer.toString(status));
    body.put("message", message);
    HttpReplies.write(res, cb, status, SimulatorHandler.JSON_TYPE, upstream.bytes(body), headers);
  }
}
