package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.infra.simulator.CreateAdmission.Admission;
import io.wanpipeline.infra.simulator.CreateAdmission.Admitted;
import io.wanpipeline.infra.simulator.CreateAdmission.CreateCall;
import io.wanpipeline.infra.simulator.CreateAdmission.Rejected;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
 * MuleRouter (seed 003, docs/protocol.md 5.1 and 5.4, MuleRouter's task pages), a gateway with its
 * own flat protocol in front of the native upstream:
 *
 * <ul>
 *   <li>{@code POST /vendors/alibaba/v1/{model}/generation}: a flat body ({@code prompt}, {@code
 *       image} as URL or data URI, {@code negative_prompt}, {@code resolution} (default 720P),
 *       {@code duration}, {@code prompt_extend}, {@code seed}, {@code safety_filter}, {@code
 *       template}; {@code last_frame} for kf2v, {@code audio}/{@code audio_url}, {@code size},
 *       {@code multi_shots} for the models whose pages list them), translated into the native body
 *       and admitted upstream; answers HTTP 202 {@code {"task_info":{"id","status":"pending",
 *       "created_at","updated_at"}}} with ISO-8601 UTC times. {@code image} is the model's
 *       first-frame field ({@code img_url}, {@code first_frame_url} for kf2v, {@code image_url} for
 *       s2v and animate). VACE's and animate's other fields come flat under their native names
 *       ({@code function}, {@code video_url}, {@code ref_images_url}, {@code mask_*_url}, {@code
 *       *_clip_url}, {@code first_frame_url}/{@code last_frame_url}; {@code obj_or_bg}, {@code
 *       control_condition}, {@code strength}, {@code mask_type}, {@code expand_*}, {@code
 *       mask_frame_id}, {@code *_scale}, {@code mode}, {@code check_image}), arrays as arrays, and
 *       go back to the native {@code input} or {@code parameters}; an animate model's {@code
 *       watermark} goes to {@code input}, where its native example has it. ⚠ MuleRouter's VACE and
 *       animate pages were not captured: these names are the native ones.
 *   <li>{@code GET /vendors/alibaba/v1/{model}/generation/{task_id}}: {@code task_info} with {@code
 *       status} {@code pending}, {@code processing}, {@code completed} or {@code failed}, {@code
 *       videos:[url]} once completed (the simulator's OSS-style signed link, where the real gateway
 *       serves {@code mulerouter.muleusercontent.com}), {@code task_info.error{code:3001, title:
 *       "Task Execution Error", detail}} once failed, the upstream code in brackets in the detail.
 *       No usage. A task is found only under the model it was created with, by the same account;
 *       anything else (or a task the upstream forgot) answers 404.
 *   <li>Errors of a call: HTTP status with {@code {"code": <status>, "title", "detail"}} (the
 *       failed-task triple at top level, which MuleRouter's own CLI reads by {@code detail}): 401
 *       for a missing or unknown key, 404 for a model MuleRouter does not route, 400 for a body it
 *       cannot read and for the upstream's parameter refusals (field names as MuleRouter's), 429
 *       with {@code Retry-After}, 500 and 503. No cancel and no list route.
 * </ul>
 *
 * <p>⚠ Only the create answer and the task answers are documented; the error body of a refused call
 * is this simulator's reading of them.
 *
 * <p>Over 400 lines: the whole gateway (create, query, errors, renderings) as one front end, like
 * its siblings.
 */
final class MuleRouterFrontEnd extends Handler.Abstract {

  private static final Logger LOG = LoggerFactory.getLogger(MuleRouterFrontEnd.class);

  /** MuleRouter's prefix of Alibaba's models. */
  static final String PREFIX = "/vendors/alibaba/v1/";

  private static final String GENERATION = "/generation";

  /** Task failure code: "the upstream model provider could not complete the task". */
  static final int EXECUTION_ERROR = 3001;

  private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;

  /** Flat fields that go to the native {@code input}, by MuleRouter name. */
  private static final Set<String> INPUT_FIELDS =
      Set.of(
          "prompt",
          "negative_prompt",
          "template",
          "audio_url",
          "reference_urls",
          "media",
          // VACE and animate: the native names, arrays kept as arrays
          "function",
          "video_url",
          "ref_images_url",
          "mask_image_url",
          "mask_video_url",
          "first_frame_url",
          "last_frame_url",
          "first_clip_url",
          "last_clip_url");

  /** Flat fields that go to the native {@code parameters} unchanged. */
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
          // VACE
          "obj_or_bg",
          "control_condition",
          "strength",
          "mask_type",
          "expand_mode",
          "expand_ratio",
          "mask_frame_id",
          "top_scale",
          "bottom_scale",
          "left_scale",
          "right_scale",
          // animate
          "mode",
          "check_image");

  /** Model kinds whose native {@code watermark} is in {@code input} (the animate example's). */
  private static final Set<String> WATERMARK_IN_INPUT = Set.of("animate");

  private final SimulatorHandler upstream;
  private final ProviderModels models = ProviderModels.standard();

  MuleRouterFrontEnd(SimulatorHandler upstream) {
    this.upstream = upstream;
  }

  @Override
  public boolean handle(Request req, Response res, Callback cb) {
    String path = Request.getPathInContext(req);
    if (!path.startsWith(PREFIX)) {
      return false;
    }
    String method = req.getMethod();
    String[] parts = path.substring(PREFIX.length()).split("/", -1);
    if (method.equals("POST") && parts.length == 2 && parts[1].equals("generation")) {
      String model = parts[0];
      upstream.dispatch(Route.CREATE, path, req, cb, d -> create(d, model, path, req, res, cb));
    } else if (method.equals("GET")
        && parts.length == 3
        && parts[1].equals("generation")
        && !parts[2].isEmpty()) {
      String model = parts[0];
      String taskId = parts[2];
      upstream.dispatch(
          Route.QUERY, path, req, cb, d -> query(d, model, taskId, path, req, res, cb));
    } else {
      HttpReplies.readBody(req);
      writeError(res, cb, 404, "Not Found", "No route for " + method + " " + path);
    }
    return true;
  }

  // ---------------------------------------------------------------- create

  private void create(
      FaultDice.Decision decision,
      String model,
      String path,
      Request req,
      Response res,
      Callback cb) {
    GatewayCall call = GatewayCall.of(upstream, req);
    Instant now = call.now();
    String account = call.account();
    String text = HttpReplies.readBody(req);
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      // recorded before the answer goes out, so a client that got it finds it in the ledger
      call.faultSubmission(decision, model, path);
      upstream.injectFault(decision, req, res, cb, r -> writeRefusal(res, cb, r));
      return;
    }
    if (call.caller() == null) {
      call.submission(model, path, 401, "401");
      writeError(
          res, cb, 401, "Unauthorized", call.key() == null ? "Missing API key" : "Invalid API key");
      return;
    }
    Optional<ProviderModel> spec = models.find(model);
    if (spec.isEmpty()) {
      call.submission(model, path, 404, "404");
      writeError(res, cb, 404, "Not Found", "Model '" + model + "' is not available");
      return;
    }
    JsonNode flat = upstream.parseJson(text);
    if (flat == null || !flat.isObject()) {
      call.submission(model, path, 400, "400");
      writeError(res, cb, 400, "Invalid Request", "The request body must be a JSON object");
      return;
    }
    Admission admission =
        upstream.admit(
            new CreateCall(
                call.pipelineRequestId(),
                call.caller(),
                path,
                nativeBody(spec.get(), flat),
                true,
                null,
                now));
    if (admission instanceof Rejected rejected) {
      LOG.debug(
          "create refused requestId={} model={} code={}",
          call.pipelineRequestId(),
          model,
          rejected.refusal().code());
      writeRefusal(res, cb, rejected.refusal(), spec.get());
    } else if (admission instanceof Admitted admitted && !admitted.lostReply()) {
      SimulatedTask task = admitted.task();
      ObjectNode body = upstream.mapper().createObjectNode();
      ObjectNode info = body.putObject("task_info");
      info.put("id", task.taskId);
      info.put("status", "pending");
      info.put("created_at", iso(task.submitted));
      info.put("updated_at", iso(task.submitted));
      HttpReplies.write(res, cb, 202, SimulatorHandler.JSON_TYPE, upstream.bytes(body), Map.of());
    } else if (admission instanceof Admitted) {
      writeRefusal(res, cb, Refusal.internalError());
    } else {
      HttpReplies.reset(req, cb);
    }
  }

  /** The native create body of a flat MuleRouter body for {@code spec}. */
  private ObjectNode nativeBody(ProviderModel spec, JsonNode flat) {
    ObjectNode body = upstream.mapper().createObjectNode();
    body.put("model", spec.id());
    ObjectNode input = body.putObject("input");
    ObjectNode parameters = body.putObject("parameters");
    for (Map.Entry<String, JsonNode> e : flat.properties()) {
      String name = e.getKey();
      JsonNode value = e.getValue();
      if (INPUT_FIELDS.contains(name)
          || (name.equals("watermark") && WATERMARK_IN_INPUT.contains(spec.kind()))) {
        input.set(name, value);
      } else if (PARAMETER_FIELDS.contains(name)) {
        parameters.set(name, value);
      } else if (name.equals("image")) {
        input.set(imageField(spec), value);
      } else if (name.equals("last_frame")) {
        input.set("last_frame_url", value);
      } else if (name.equals("multi_shots")) {
        parameters.put("shot_type", value.asBoolean(false) ? "multi" : "single");
      }
      // safety_filter and anything else MuleRouter keeps to itself
    }
    if (!parameters.has("resolution") && !parameters.has("size") && spec.tiers().contains("720P")) {
      parameters.put("resolution", "720P"); // MuleRouter's documented default
    }
    return body;
  }

  /** The native field MuleRouter's {@code image} stands for. */
  private static String imageField(ProviderModel model) {
    return model.required().stream()
        .filter(f -> List.of("input.first_frame_url", "input.image_url").contains(f))
        .map(f -> f.substring("input.".length()))
        .findFirst()
        .orElse("img_url");
  }

  // ---------------------------------------------------------------- query

  private void query(
      FaultDice.Decision decision,
      String model,
      String taskId,
      String path,
      Request req,
      Response res,
      Callback cb) {
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
          res, cb, 401, "Unauthorized", call.key() == null ? "Missing API key" : "Invalid API key");
      return;
    }
    if (upstream.config().enforceRateLimits() && !upstream.queryBudget(account, now)) {
      call.poll(taskId, null, 429);
      writeRefusal(res, cb, Refusal.throttled());
      return;
    }
    String createPath = PREFIX + model + GENERATION;
    Optional<SimulatedTask> found =
        upstream
            .board()
            .find(taskId, now)
            .filter(t -> t.account.equals(account) && t.endpointPath.equals(createPath));
    TaskBoard.Timeline timeline = found.map(t -> upstream.board().timeline(t, now)).orElse(null);
    if (timeline == null || timeline.status() == NativeStatus.UNKNOWN) {
      call.poll(taskId, NativeStatus.UNKNOWN.name(), 404);
      writeError(res, cb, 404, "Not Found", "Task " + taskId + " not found");
      return;
    }
    ObjectNode body = taskJson(found.get(), timeline, now);
    call.poll(taskId, timeline.status().name(), 200);
    LOG.debug("query taskId={} status={}", taskId, timeline.status());
    HttpReplies.write(res, cb, 200, SimulatorHandler.JSON_TYPE, upstream.bytes(body), Map.of());
  }

  private ObjectNode taskJson(SimulatedTask task, TaskBoard.Timeline timeline, Instant now) {
    NativeStatus status = timeline.status();
    ObjectNode body = upstream.mapper().createObjectNode();
    ObjectNode info = body.putObject("task_info");
    info.put("id", task.taskId);
    info.put("status", word(status));
    info.put("created_at", iso(task.submitted));
    Instant updated = task.submitted;
    if (status.terminal() && timeline.ended() != null) {
      updated = timeline.ended();
    } else if (status == NativeStatus.RUNNING && timeline.started() != null) {
      updated = timeline.started();
    }
    info.put("updated_at", iso(updated));
    if (status == NativeStatus.FAILED || status == NativeStatus.CANCELED) {
      ObjectNode error = info.putObject("error");
      error.put("code", EXECUTION_ERROR);
      error.put("title", "Task Execution Error");
      error.put(
          "detail",
          status == NativeStatus.CANCELED
              ? "Video generation failed: [Canceled] The task was canceled."
              : "Video generation failed: [" + task.failCode + "] " + task.failMessage);
    }
    if (status == NativeStatus.SUCCEEDED) {
      body.putArray("videos").add(upstream.signedLink(task, timeline.ended(), now));
    }
    return body;
  }

  private static String word(NativeStatus status) {
    return switch (status) {
      case PENDING -> "pending";
      case RUNNING -> "processing";
      case SUCCEEDED -> "completed";
      case FAILED, CANCELED, UNKNOWN -> "failed";
    };
  }

  // ---------------------------------------------------------------- answers

  /** An upstream (or injected) refusal in MuleRouter's shape, field names as MuleRouter's. */
  private void writeRefusal(Response res, Callback cb, Refusal r) {
    writeRefusal(res, cb, r, null);
  }

  /**
   * As {@link #writeRefusal(Response, Callback, Refusal)}, naming fields as {@code spec}'s page.
   */
  private void writeRefusal(Response res, Callback cb, Refusal r, ProviderModel spec) {
    Map<String, String> headers = new HashMap<>();
    if (r.status() == 429 && upstream.config().retryAfter() != null) {
      long seconds = (upstream.config().retryAfter().toMillis() + 999) / 1000;
      headers.put("Retry-After", Long.toString(seconds));
    }
    writeError(
        res, cb, r.status(), titleOf(r.status()), muleRouterNames(r.message(), spec), headers);
  }

  private void writeError(Response res, Callback cb, int status, String title, String detail) {
    writeError(res, cb, status, title, detail, Map.of());
  }

  private void writeError(
      Response res,
      Callback cb,
      int status,
      String title,
      String detail,
      Map<String, String> headers) {
    ObjectNode body = upstream.mapper().createObjectNode();
    body.put("code", status);
    body.put("title", title);
    body.put("detail", detail);
    HttpReplies.write(res, cb, status, SimulatorHandler.JSON_TYPE, upstream.bytes(body), headers);
  }

  private static String titleOf(int status) {
    return switch (status) {
      case 400 -> "Invalid Request";
      case 401 -> "Unauthorized";
      case 402 -> "Payment Required";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 429 -> "Too Many Requests";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Request Failed";
    };
  }

  private static String muleRouterNames(String message, ProviderModel spec) {
    if (message == null) {
      return null;
    }
    String m = message;
    if (spec != null) {
      for (Map.Entry<String, String> e : fieldNames(spec).entrySet()) {
        m = m.replace(e.getKey(), e.getValue());
      }
    }
    return m.replace("input.", "").replace("parameters.", "");
  }

  /**
   * Native field paths as MuleRouter names them for {@code spec}: its first-frame field is {@code
   * image}; VACE's first and last frames keep their native names.
   */
  private static Map<String, String> fieldNames(ProviderModel spec) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("input." + imageField(spec), "image");
    if (!spec.functions().isEmpty()) {
      return m;
    }
    m.put("input.last_frame_url", "last_frame");
    m.put("parameters.shot_type", "multi_shots");
    return m;
  }

  private static String iso(Instant instant) {
    return ISO.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }
}
