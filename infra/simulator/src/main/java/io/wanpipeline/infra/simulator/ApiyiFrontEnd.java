package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.infra.simulator.CreateAdmission.Admission;
import io.wanpipeline.infra.simulator.CreateAdmission.Admitted;
import io.wanpipeline.infra.simulator.CreateAdmission.CreateCall;
import io.wanpipeline.infra.simulator.CreateAdmission.Rejected;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * APIYI (seed 002, docs/protocol.md 5.3), a new-api based gateway with a DashScope passthrough
 * channel:
 *
 * <ul>
 *   <li>{@code POST /wan/api/v1/services/aigc/.../video-synthesis}: the native body relayed
 *       upstream with the caller's {@code X-DashScope-Async} (without it the upstream refuses with
 *       "current user api does not support synchronous calls"); answers the native create JSON.
 *   <li>{@code GET /v1/tasks/{task_id}}: the normalized task, {@code status} {@code submitted},
 *       {@code in_progress}, {@code completed}, {@code failed} ({@code unknown} once the upstream
 *       forgot it or for an id never created through APIYI), {@code progress} 0, 30 (where it
 *       stalls) and 100, {@code result_url} (the raw OSS signed link), {@code error.message} and
 *       {@code fail_reason} with the upstream code in brackets, epoch-second {@code created_at},
 *       {@code started_at}, {@code completed_at}; no usage.
 *   <li>{@code GET /wan/api/v1/tasks/{task_id}}: the native-shaped task (with its {@code usage}),
 *       documented on APIYI's apifox page; the overview sends every query to {@code /v1/tasks}, and
 *       so does our client, but another client may use this one.
 *   <li>Create errors: HTTP 4xx/5xx {@code {"error":{"message","type"}}}; type {@code task_error}
 *       relays the upstream's refusal as {@code [Code] message} with its status ({@code
 *       Retry-After} on 429); {@code parse_request_failed} (400) when the body is not JSON or a
 *       field has the wrong JSON type; {@code build_request_failed} (500, nothing sent upstream)
 *       when the prompt carries the marker {@code [sim:submit=build-failed]}. A media model
 *       (wan2.7, HappyHorse) without {@code input.media} is refused as the upstream does: {@code
 *       [InvalidParameter] Field required: input.media}.
 *   <li>Models outside the {@code Wan} group (every Wan and HappyHorse id) answer the distributor's
 *       HTTP 503 {@code model_not_found}; a Wan id the upstream does not know is its {@code
 *       [InvalidParameter] Model not exist.}; keys are checked by the gateway (new-api's 401);
 *       there is no cancel or list route. The group has no per-model allowlist (seed 002: one key
 *       "unlocks all Wan video capabilities"), so VACE ({@code wanx2.1-vace-plus}, {@code
 *       wan2.1-vace-plus}) and animate ({@code wan2.2-animate-move}, {@code wan2.2-animate-mix})
 *       are relayed on their native paths ({@code video-generation} and {@code image2video}) and
 *       the upstream decides them; ⚠ seed 002 names only wan2.7 and HappyHorse, so whether APIYI's
 *       channel really serves these older ids is unverified.
 * </ul>
 *
 * <p>The seed shows none of these bodies in full; the shapes follow its field names and new-api.
 */
final class ApiyiFrontEnd extends Handler.Abstract {

  private static final Logger LOG = LoggerFactory.getLogger(ApiyiFrontEnd.class);

  /** The passthrough's prefix before the native paths. */
  static final String PREFIX = "/wan";

  /** APIYI's normalized task query. */
  static final String NORMALIZED_TASKS = "/v1/tasks/";

  private static final String SERVICES = PREFIX + "/api/v1/services/";
  private static final String NATIVE_TASKS = PREFIX + "/api/v1/tasks/";
  private static final String GROUP = "Wan";
  private static final String TASK_ERROR = "task_error";
  private static final String PARSE_REQUEST_FAILED = "parse_request_failed";
  private static final String BUILD_REQUEST_FAILED = "build_request_failed";

  private final SimulatorHandler upstream;
  private final ProviderModels models = ProviderModels.standard();

  ApiyiFrontEnd(SimulatorHandler upstream) {
    this.upstream = upstream;
  }

  @Override
  public boolean handle(Request req, Response res, Callback cb) {
    String path = Request.getPathInContext(req);
    boolean normalized = path.startsWith(NORMALIZED_TASKS);
    if (!normalized && !path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
      return false;
    }
    String method = req.getMethod();
    if (method.equals("POST") && path.startsWith(SERVICES) && path.endsWith("/video-synthesis")) {
      upstream.dispatch(Route.CREATE, path, req, cb, d -> create(d, path, req, res, cb));
    } else if (method.equals("GET") && normalized && isTask(path, NORMALIZED_TASKS)) {
      String taskId = path.substring(NORMALIZED_TASKS.length());
      upstream.dispatch(Route.QUERY, path, req, cb, d -> query(d, taskId, true, req, res, cb));
    } else if (method.equals("GET") && isTask(path, NATIVE_TASKS)) {
      String taskId = path.substring(NATIVE_TASKS.length());
      upstream.dispatch(Route.QUERY, path, req, cb, d -> query(d, taskId, false, req, res, cb));
    } else {
      HttpReplies.readBody(req);
      answer(res, cb, NewApiAnswers.invalidUrl(upstream.mapper(), method, path));
    }
    return true;
  }

  private static boolean isTask(String path, String prefix) {
    return path.startsWith(prefix)
        && path.length() > prefix.length()
        && path.indexOf('/', prefix.length()) < 0;
  }

  // ---------------------------------------------------------------- create

  private void create(
      FaultDice.Decision decision, String path, Request req, Response res, Callback cb) {
    GatewayCall call = GatewayCall.of(upstream, req);
    Instant now = call.now();
    String account = call.account();
    String text = HttpReplies.readBody(req);
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      // Recorded before answering: a client may look at the ledger as soon as it has the answer.
      call.faultSubmission(decision, null, path);
      upstream.injectFault(decision, req, res, cb, r -> writeTaskError(res, cb, r));
      return;
    }
    if (call.caller() == null) {
      NewApiAnswers.Answer a =
          NewApiAnswers.unauthorized(upstream.mapper(), call.key() == null, now);
      call.submission(null, path, a.status(), a.code());
      answer(res, cb, a);
      return;
    }
    JsonNode body = upstream.parseJson(text);
    String unreadable = unreadable(body);
    if (unreadable != null) {
      call.submission(null, path, 400, PARSE_REQUEST_FAILED);
      writeError(
          res, cb, 400, PARSE_REQUEST_FAILED, "parse request failed: " + unreadable, Map.of());
      return;
    }
    String model = body.path("model").asText("").trim();
    if (!model.isEmpty() && !inWanGroup(model)) {
      NewApiAnswers.Answer a = NewApiAnswers.modelNotFound(upstream.mapper(), GROUP, model, now);
      LOG.debug(
          "create refused requestId={} model={} code={}",
          call.pipelineRequestId(),
          model,
          a.code());
      call.submission(model, path, a.status(), a.code());
      answer(res, cb, a);
      return;
    }
    JsonNode prompt = body.path("input").path("prompt");
    if (prompt.isTextual()
        && "build-failed".equals(ScenarioMarkers.parse(prompt.asText()).submitFault())) {
      call.submission(model, path, 500, BUILD_REQUEST_FAILED);
      writeError(
          res,
          cb,
          500,
          BUILD_REQUEST_FAILED,
          "build request failed: the upstream request could not be built",
          Map.of());
      return;
    }
    if (requiresMedia(model) && body.path("input").path("media").isEmpty()) {
      Refusal r = new Refusal(400, "InvalidParameter", "Field required: input.media");
      LOG.debug(
          "create refused requestId={} model={} media missing", call.pipelineRequestId(), model);
      call.submission(model, path, r.status(), r.code());
      writeTaskError(res, cb, r);
      return;
    }
    String asyncHeader = req.getHeaders().get(SimulatorHandler.ASYNC_HEADER);
    boolean async = asyncHeader != null && asyncHeader.trim().equalsIgnoreCase("enable");
    Admission admission =
        upstream.admit(
            new CreateCall(
                call.pipelineRequestId(),
                call.caller(),
                path,
                body,
                async,
                path.substring(PREFIX.length()),
                now));
    if (admission instanceof Rejected rejected) {
      writeTaskError(res, cb, rejected.refusal());
    } else if (admission instanceof Admitted admitted && !admitted.lostReply()) {
      HttpReplies.write(
          res,
          cb,
          200,
          SimulatorHandler.JSON_TYPE,
          upstream.bytes(upstream.createdJson(admitted.task())),
          Map.of());
    } else if (admission instanceof Admitted) {
      writeTaskError(res, cb, Refusal.internalError());
    } else {
      HttpReplies.reset(req, cb);
    }
  }

  /** Why APIYI cannot read the body into its request struct, or null when it can. */
  private static String unreadable(JsonNode body) {
    if (body == null || !body.isObject()) {
      return "the body is not a JSON object";
    }
    JsonNode model = body.get("model");
    if (model != null && !model.isNull() && !model.isTextual()) {
      return "json: cannot unmarshal " + model.getNodeType() + " into field model of type string";
    }
    JsonNode input = body.get("input");
    if (input != null && !input.isNull() && !input.isObject()) {
      return "json: cannot unmarshal " + input.getNodeType() + " into field input of type object";
    }
    JsonNode parameters = body.get("parameters");
    if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
      return "json: cannot unmarshal "
          + parameters.getNodeType()
          + " into field parameters of type object";
    }
    JsonNode media = input == null ? null : input.get("media");
    if (media != null && !media.isNull() && !media.isArray()) {
      return "json: cannot unmarshal " + media.getNodeType() + " into field input.media of type []";
    }
    return null;
  }

  /**
   * The {@code Wan} group: every Wan and HappyHorse model id (seed 002: one key "unlocks all Wan
   * video capabilities", the two series share the group); the upstream decides whether it exists.
   */
  private static boolean inWanGroup(String model) {
    return model.startsWith("wan") || model.startsWith("happyhorse-");
  }

  private boolean requiresMedia(String model) {
    return models.find(model).map(m -> m.required().contains("input.media")).orElse(false);
  }

  // ---------------------------------------------------------------- query

  private void query(
      FaultDice.Decision decision,
      String taskId,
      boolean normalized,
      Request req,
      Response res,
      Callback cb) {
    GatewayCall call = GatewayCall.of(upstream, req);
    Instant now = call.now();
    String account = call.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      call.poll(taskId, null, Refusal.faultStatus(decision));
      upstream.injectFault(decision, req, res, cb, r -> writeTaskError(res, cb, r));
      return;
    }
    if (call.caller() == null) {
      NewApiAnswers.Answer a =
          NewApiAnswers.unauthorized(upstream.mapper(), call.key() == null, now);
      call.poll(taskId, null, a.status());
      answer(res, cb, a);
      return;
    }
    if (upstream.config().enforceRateLimits() && !upstream.queryBudget(account, now)) {
      call.poll(taskId, null, 429);
      writeTaskError(res, cb, Refusal.throttled());
      return;
    }
    Optional<SimulatedTask> found =
        upstream
            .board()
            .find(taskId, now)
            .filter(t -> t.account.equals(account) && t.endpointPath.startsWith(PREFIX + "/"));
    ObjectNode body;
    NativeStatus status;
    if (normalized) {
      TaskBoard.Timeline timeline = found.map(t -> upstream.board().timeline(t, now)).orElse(null);
      status = timeline == null ? NativeStatus.UNKNOWN : timeline.status();
      body = normalizedTask(taskId, found.orElse(null), timeline, now);
    } else {
      SimulatorHandler.NativeTask task = upstream.nativeTask(taskId, found, now);
      status = task.status();
      body = task.body();
    }
    call.poll(taskId, status.name(), 200);
    LOG.debug("query taskId={} status={} normalized={}", taskId, status, normalized);
    HttpReplies.write(res, cb, 200, SimulatorHandler.JSON_TYPE, upstream.bytes(body), Map.of());
  }

  /** APIYI's normalized task; {@code task} null (or expired) answers {@code unknown}. */
  private ObjectNode normalizedTask(
      String taskId, SimulatedTask task, TaskBoard.Timeline timeline, Instant now) {
    ObjectNode o = upstream.mapper().createObjectNode();
    o.put("task_id", taskId);
    NativeStatus status = timeline == null ? NativeStatus.UNKNOWN : timeline.status();
    o.put("status", word(status));
    o.put("progress", progress(status));
    if (task != null) {
      o.put("model", task.model);
      o.put("created_at", task.submitted.getEpochSecond());
      if (status != NativeStatus.PENDING
          && status != NativeStatus.UNKNOWN
          && timeline.started() != null) {
        o.put("started_at", timeline.started().getEpochSecond());
      }
      if (status.terminal() && status != NativeStatus.UNKNOWN && timeline.ended() != null) {
        o.put("completed_at", timeline.ended().getEpochSecond());
      }
    }
    o.put(
        "result_url",
        status == NativeStatus.SUCCEEDED ? upstream.signedLink(task, timeline.ended(), now) : "");
    String reason = null;
    if (status == NativeStatus.FAILED) {
      reason = "[" + task.failCode + "] " + task.failMessage;
    } else if (status == NativeStatus.CANCELED) {
      reason = "[Canceled] The task was canceled.";
    }
    o.put("fail_reason", reason == null ? "" : reason);
    if (reason == null) {
      o.putNull("error");
    } else {
      o.putObject("error").put("message", reason);
    }
    return o;
  }

  private static String word(NativeStatus status) {
    return switch (status) {
      case PENDING -> "submitted";
      case RUNNING -> "in_progress";
      case SUCCEEDED -> "completed";
      case FAILED, CANCELED -> "failed";
      case UNKNOWN -> "unknown";
    };
  }

  /** Coarse, like the upstream's: 30 while generating, then straight to 100. */
  private static int progress(NativeStatus status) {
    return switch (status) {
      case PENDING, UNKNOWN -> 0;
      case RUNNING -> 30;
      case SUCCEEDED, FAILED, CANCELED -> 100;
    };
  }

  // ---------------------------------------------------------------- answers

  /** The upstream's refusal relayed: {@code [Code] message}, type {@code task_error}. */
  private void writeTaskError(Response res, Callback cb, Refusal r) {
    Map<String, String> headers = new HashMap<>();
    if (r.status() == 429 && upstream.config().retryAfter() != null) {
      long seconds = (upstream.config().retryAfter().toMillis() + 999) / 1000;
      headers.put("Retry-After", Long.toString(seconds));
    }
    writeError(res, cb, r.status(), TASK_ERROR, "[" + r.code() + "] " + r.message(), headers);
  }

  private void writeError(
      Response res,
      Callback cb,
      int status,
      String type,
      String message,
      Map<String, String> headers) {
    ObjectNode body = upstream.mapper().createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", message);
    error.put("type", type);
    HttpReplies.write(res, cb, status, SimulatorHandler.JSON_TYPE, upstream.bytes(body), headers);
  }

  private void answer(Response res, Callback cb, NewApiAnswers.Answer a) {
    HttpReplies.write(
        res, cb, a.status(), SimulatorHandler.JSON_TYPE, upstream.bytes(a.body()), Map.of());
  }
}
