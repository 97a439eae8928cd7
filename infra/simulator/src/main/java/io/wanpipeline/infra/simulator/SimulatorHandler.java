package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the native DashScope paths, the OSS result links and the ledger (Jetty core handler). It
 * is also the upstream the gateway front ends relay to: they hand create calls to {@link #admit}
 * and read tasks with {@link #nativeTask}, over the same task board, ledger, faults and links.
 */
final class SimulatorHandler extends Handler.Abstract {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatorHandler.class);

  private static final String API = "/api/v1";
  private static final String SERVICES = API + "/services/";
  private static final String TASKS = API + "/tasks";
  static final String JSON_TYPE = "application/json;charset=utf-8";
  static final String ASYNC_HEADER = "X-DashScope-Async";
  private static final long MAX_BODY = 8L * 1024 * 1024;
  private static final Duration LIST_MAX_RANGE = Duration.ofHours(24);

  private final SimulatorConfig config;
  private final ModelRules rules;
  private final TaskBoard board;
  private final SimulatorLedger ledger;
  private final OssLinkSigner signer;
  private final FaultDice dice;
  private final RateLimiter limiter = new RateLimiter();
  private final Function<Route, Faults> faults;
  private final Function<SimulatedTask, VideoPayload> videos;
  private final Function<SimulatedTask, String> videoSha;
  private final Supplier<String> publicBase;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<String, String> resultLinkOverrides = new ConcurrentHashMap<>();

  SimulatorHandler(
      SimulatorConfig config,
      ModelRules rules,
      TaskBoard board,
      SimulatorLedger ledger,
      OssLinkSigner signer,
      FaultDice dice,
      Function<Route, Faults> faults,
      Function<SimulatedTask, VideoPayload> videos,
      Function<SimulatedTask, String> videoSha,
      Supplier<String> publicBase) {
    this.config = config;
    this.rules = rules;
    this.board = board;
    this.ledger = ledger;
    this.signer = signer;
    this.dice = dice;
    this.faults = faults;
    this.videos = videos;
    this.videoSha = videoSha;
    this.publicBase = publicBase;
  }

  SimulatorConfig config() {
    return config;
  }

  TaskBoard board() {
    return board;
  }

  SimulatorLedger ledger() {
    return ledger;
  }

  ObjectMapper mapper() {
    return mapper;
  }

  /** The caller as identified by its bearer key. */
  record Caller(String keyId, String account) {}

  /** Work a route does once its injected delay has passed. */
  @FunctionalInterface
  interface RouteWork {
    void serve(FaultDice.Decision decision) throws IOException;
  }

  @Override
  public boolean handle(Request req, Response res, Callback cb) {
    String path = Request.getPathInContext(req);
    String method = req.getMethod();
    if (path.equals("/__sim/ledger") && method.equals("GET")) {
      write(res, cb, 200, JSON_TYPE, ledger.toJson(), Map.of());
      return true;
    }
    if (path.equals("/__sim/redirect") && method.equals("GET")) {
      String to = Request.extractQueryParameters(req, StandardCharsets.UTF_8).getValue("to");
      if (to == null || to.isEmpty()) {
        write(
            res,
            cb,
            400,
            "text/plain",
            "to= is required".getBytes(StandardCharsets.US_ASCII),
            Map.of());
      } else {
        write(res, cb, 302, "text/plain", new byte[0], Map.of("Location", to));
      }
      return true;
    }
    if (path.equals("/__sim/health")) {
      write(res, cb, 200, "text/plain", "ok".getBytes(StandardCharsets.US_ASCII), Map.of());
      return true;
    }
    Route route = routeOf(method, path);
    if (route == null) {
      Instant now = config.clock().instant();
      writeJsonError(res, cb, 400, "InvalidURL", "Invalid URL provided in your request.", now);
      return true;
    }
    dispatch(route, path, req, cb, decision -> serve(route, decision, path, req, res, cb));
    return true;
  }

  /**
   * Draws the injected faults of {@code route} and runs {@code work} with the decision, at once or
   * after the drawn delay; a failure of the work fails the call.
   */
  void dispatch(Route route, String path, Request req, Callback cb, RouteWork work) {
    FaultDice.Decision decision = dice.draw(faults.apply(route));
    Runnable run =
        () -> {
          try {
            work.serve(decision);
          } catch (Throwable t) {
            LOG.warn("simulator failed route={} path={}", route, path, t);
            cb.failed(t);
          }
        };
    if (decision.delay().isZero()) {
      run.run();
    } else {
      req.getComponents()
          .getScheduler()
          .schedule(
              () -> req.getComponents().getExecutor().execute(run),
              decision.delay().toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  private static Route routeOf(String method, String path) {
    if (path.startsWith(SERVICES) && method.equals("POST")) {
      return Route.CREATE;
    }
    if ((path.equals(TASKS) || path.equals(TASKS + "/")) && method.equals("GET")) {
      return Route.LIST;
    }
    if (path.startsWith(TASKS + "/")) {
      String rest = path.substring(TASKS.length() + 1);
      if (rest.endsWith("/cancel")
          && method.equals("POST")
          && rest.indexOf('/') == rest.length() - 7) {
        return Route.CANCEL;
      }
      if (!rest.isEmpty() && !rest.contains("/") && method.equals("GET")) {
        return Route.QUERY;
      }
    }
    if (path.startsWith("/oss/") && (method.equals("GET") || method.equals("HEAD"))) {
      return Route.DOWNLOAD;
    }
    return null;
  }

  private void serve(
      Route route, FaultDice.Decision decision, String path, Request req, Response res, Callback cb)
      throws IOException {
    switch (route) {
      case CREATE -> create(decision, path, req, res, cb);
      case QUERY -> query(decision, path.substring(TASKS.length() + 1), req, res, cb);
      case CANCEL -> {
        String rest = path.substring(TASKS.length() + 1);
        cancel(decision, rest.substring(0, rest.length() - "/cancel".length()), req, res, cb);
      }
      case LIST -> list(decision, req, res, cb);
      case DOWNLOAD -> download(decision, path, req, res, cb);
      default -> throw new IllegalStateException("unrouted " + route);
    }
  }

  // ---------------------------------------------------------------- create

  private void create(
      FaultDice.Decision decision, String path, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String pipelineRequestId = req.getHeaders().get(WanSimulator.PIPELINE_REQUEST_ID_HEADER);
    String key = bearer(req);
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    // Read the whole body first: answering before it is consumed makes Jetty close the
    // connection, which a pooling client may only notice on its next call.
    String text = readBody(req);
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      // Recorded before the answer leaves, so a client that has its answer finds the call in
      // the ledger.
      ledger.record(
          new SimulatorLedger.Submission(
              pipelineRequestId,
              now,
              account,
              keyId,
              null,
              path,
              faultStatus(decision),
              faultCode(decision),
              null));
      injectFault(decision, req, res, cb, now);
      return;
    }
    Refusal refusal = authRefusal(key, caller);
    if (refusal != null) {
      LOG.debug("create refused requestId={} status={}", pipelineRequestId, refusal.status());
      ledger.record(
          new SimulatorLedger.Submission(
              pipelineRequestId,
              now,
              account,
              keyId,
              null,
              path,
              refusal.status(),
              refusal.code(),
              null));
      writeRefusal(res, cb, refusal, now);
      return;
    }
    Admission admission =
        admit(
            new CreateCall(
                pipelineRequestId,
                caller,
                path,
                parseJson(text),
                "enable".equalsIgnoreCase(trim(req.getHeaders().get(ASYNC_HEADER))),
                path,
                now));
    if (admission instanceof Rejected rejected) {
      writeRefusal(res, cb, rejected.refusal(), now);
    } else if (admission instanceof Admitted admitted && !admitted.lostReply()) {
      write(res, cb, 200, JSON_TYPE, bytes(createdJson(admitted.task())), Map.of());
    } else if (admission instanceof Admitted) {
      writeRefusal(res, cb, internalError(), now);
    } else {
      reset(req, cb);
    }
  }

  /** The native answer of a created task: {@code {"request_id","output":{task_id,PENDING}}}. */
  ObjectNode createdJson(SimulatedTask task) {
    ObjectNode root = mapper.createObjectNode();
    root.put("request_id", task.providerRequestId);
    ObjectNode output = root.putObject("output");
    output.put("task_id", task.taskId);
    output.put("task_status", "PENDING");
    return root;
  }

  /**
   * A create call from an authenticated caller, as the native route or a gateway hands it to the
   * upstream.
   *
   * @param pipelineRequestId the {@code X-Wan-Pipeline-Request-Id} header, or null
   * @param caller the authenticated caller
   * @param path the path the client called, recorded in the ledger and on the task
   * @param body the parsed body, or null when it was not JSON
   * @param async whether the call asked to be asynchronous ({@code X-DashScope-Async: enable})
   * @param upstreamPath the native create path the model must be served on, or null when a gateway
   *     routes each model to its own path itself
   * @param now when the call arrived
   */
  record CreateCall(
      String pipelineRequestId,
      Caller caller,
      String path,
      JsonNode body,
      boolean async,
      String upstreamPath,
      Instant now) {}

  /** How the upstream answered a create call, before a dialect renders it. */
  sealed interface Admission permits Admitted, Rejected, Dropped {}

  /**
   * The task was created; with {@code lostReply} the answer must be a 500 all the same.
   *
   * @param task the new task
   * @param lostReply whether the {@code [sim:submit=lost-reply]} marker asked for a lost answer
   */
  record Admitted(SimulatedTask task, boolean lostReply) implements Admission {}

  /**
   * No task was created; the refusal is the native one.
   *
   * @param refusal status, native code and message
   * @param model the body's model, or null when unreadable
   */
  record Rejected(Refusal refusal, String model) implements Admission {}

  /** The connection must be dropped without an answer; no task was created. */
  record Dropped() implements Admission {}

  /**
   * Decides a create call the way DashScope does after authentication: the asynchronous header, the
   * body, the model and its create path, validation, scenario markers and the submit rate, then
   * creates the task. Records the call in the ledger whatever the outcome.
   */
  Admission admit(CreateCall call) {
    Instant now = call.now();
    String pipelineRequestId = call.pipelineRequestId();
    String account = call.caller().account();
    String keyId = call.caller().keyId();
    String path = call.path();
    JsonNode body = call.body();
    Refusal refusal = null;
    String model = null;
    CreateBody request = null;
    if (!call.async()) {
      refusal =
          new Refusal(403, "AccessDenied", "current user api does not support synchronous calls");
    } else if (body == null || !body.isObject()) {
      refusal =
          new Refusal(400, "InvalidParameter", "The request body is not a valid JSON object.");
    } else {
      model = body.path("model").isValueNode() ? body.path("model").asText().trim() : null;
      if (model == null || model.isEmpty()) {
        refusal =
            new Refusal(
                400, "BadRequest.EmptyModel", "Required parameter \"model\" missing from request.");
      } else {
        Optional<String> createPath = rules.createPathOf(model);
        if (createPath.isEmpty()) {
          refusal = new Refusal(400, "InvalidParameter", "Model not exist.");
        } else if (call.upstreamPath() != null && !createPath.get().equals(call.upstreamPath())) {
          refusal = new Refusal(400, "InvalidParameter", "url error, please check url!");
        } else if (!body.path("input").isObject()) {
          refusal =
              new Refusal(
                  400, "BadRequest.EmptyInput", "Required input parameter missing from request.");
        } else {
          try {
            request = CreateRequestReader.read(body);
          } catch (CreateRequestReader.BadField e) {
            refusal = new Refusal(400, "InvalidParameter", e.getMessage());
          }
          if (refusal == null && config.validateRequests()) {
            List<String> violations = rules.violations(withoutMarkers(request));
            if (!violations.isEmpty()) {
              refusal = new Refusal(400, "InvalidParameter", String.join("; ", violations));
            }
          }
        }
      }
    }
    ScenarioMarkers markers =
        request == null ? ScenarioMarkers.NONE : ScenarioMarkers.parse(request.input().prompt());
    if (refusal == null && markers.submitFault() != null) {
      refusal = submitMarkerRefusal(markers.submitFault());
      if (refusal != null && refusal.status() == 0) {
        ledger.record(
            new SimulatorLedger.Submission(
                pipelineRequestId, now, account, keyId, model, path, 0, null, null));
        return new Dropped();
      }
    }
    if (refusal == null
        && config.enforceRateLimits()
        && !limiter.tryAcquire(
            "submit|" + account + "|" + model, rules.submitRpsOf(model).orElse(5), now)) {
      refusal = throttled();
    }
    if (refusal != null) {
      LOG.debug(
          "create refused requestId={} model={} status={} code={}",
          pipelineRequestId,
          model,
          refusal.status(),
          refusal.code());
      ledger.record(
          new SimulatorLedger.Submission(
              pipelineRequestId,
              now,
              account,
              keyId,
              model,
              path,
              refusal.status(),
              refusal.code(),
              null));
      return new Rejected(refusal, model);
    }
    SimulatedTask task = newTask(request, markers, call.caller(), path, pipelineRequestId, now);
    board.add(task);
    boolean lostReply = "lost-reply".equals(markers.submitFault());
    ledger.record(
        new SimulatorLedger.Submission(
            pipelineRequestId,
            now,
            account,
            keyId,
            model,
            path,
            lostReply ? 500 : 200,
            lostReply ? "InternalError" : null,
            task.taskId));
    LOG.debug(
        "create accepted requestId={} model={} taskId={} fate={}",
        pipelineRequestId,
        model,
        task.taskId,
        task.fate);
    return new Admitted(task, lostReply);
  }

  private SimulatedTask newTask(
      CreateBody request,
      ScenarioMarkers markers,
      Caller caller,
      String path,
      String pipelineRequestId,
      Instant now) {
    String taskId = UUID.randomUUID().toString();
    SimulatedTask.Fate fate;
    String failCode = null;
    if (markers.pendingForever()) {
      fate = SimulatedTask.Fate.PENDING_FOREVER;
    } else if (markers.failCode() != null) {
      fate = SimulatedTask.Fate.FAIL;
      failCode = markers.failCode();
    } else if (markers.neverFinish()) {
      fate = SimulatedTask.Fate.NEVER_FINISH;
    } else {
      fate = dice.fate(config.failureRate(), config.neverFinishRate());
      if (fate == SimulatedTask.Fate.FAIL) {
        failCode = config.failureCode();
      }
    }
    BigDecimal seconds = markers.seconds();
    if (seconds == null) {
      seconds = rules.secondsOf(request);
    }
    if (seconds.signum() <= 0) {
      // s2v: the length follows the input audio, usually a fractional number of seconds
      int h = Math.floorMod(taskId.hashCode(), 1000);
      seconds = BigDecimal.valueOf(300 + h, 2);
    }
    long usageMillis = seconds.movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact();
    return new SimulatedTask(
        taskId,
        caller.account(),
        caller.keyId(),
        request.model(),
        path,
        UUID.randomUUID().toString(),
        pipelineRequestId,
        request,
        now,
        markers.pendingTime() != null ? markers.pendingTime() : config.pendingTime(),
        markers.runningTime() != null ? markers.runningTime() : config.runningTime(),
        fate,
        failCode,
        failCode == null ? null : failureMessage(failCode),
        usageMillis,
        rules.tierOf(request),
        rules.sizeOf(request),
        rules.audioOf(request),
        markers.videoBytes(),
        rules.usageFieldsOf(request.model()));
  }

  /** The request as the provider would see it without the simulator's scenario markers. */
  private static CreateBody withoutMarkers(CreateBody request) {
    String prompt = ScenarioMarkers.strip(request.input().prompt());
    return Objects.equals(prompt, request.input().prompt()) ? request : request.withPrompt(prompt);
  }

  private static String failureMessage(String code) {
    return switch (code) {
      case "InternalError", "InternalError.Algo" ->
          "An internal error occurred during video generation, please try again later.";
      case "InternalError.Timeout" -> "The video generation timed out, please try again later.";
      case "DataInspectionFailed" -> "Output data may contain inappropriate content.";
      case "InvalidImageUrl" -> "Failed to download the input image, please check the image URL.";
      case "InvalidParameter" -> "The request parameter is invalid.";
      case "IPInfringementSuspect" ->
          "Input data is suspected of being involved in IP infringement.";
      default -> "The task failed with " + code + ".";
    };
  }

  private static Refusal submitMarkerRefusal(String fault) {
    return switch (fault) {
      case "429" -> throttled();
      case "500" -> internalError();
      case "503" -> unavailable();
      case "arrearage" -> arrearage();
      case "reset" -> new Refusal(0, null, null);
      default -> null; // lost-reply and unknown values create the task
    };
  }

  // ---------------------------------------------------------------- query, cancel, list

  private void query(
      FaultDice.Decision decision, String taskId, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String key = bearer(req);
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      ledger.record(
          new SimulatorLedger.Poll(taskId, now, account, keyId, null, faultStatus(decision)));
      injectFault(decision, req, res, cb, now);
      return;
    }
    Refusal refusal = authRefusal(key, caller);
    if (refusal == null && config.enforceRateLimits() && !queryBudget(account, now)) {
      refusal = throttled();
    }
    if (refusal != null) {
      ledger.record(new SimulatorLedger.Poll(taskId, now, account, keyId, null, refusal.status()));
      writeRefusal(res, cb, refusal, now);
      return;
    }
    NativeTask answer =
        nativeTask(taskId, board.find(taskId, now).filter(t -> t.account.equals(account)), now);
    ledger.record(
        new SimulatorLedger.Poll(taskId, now, account, keyId, answer.status().name(), 200));
    LOG.debug("query taskId={} status={}", taskId, answer.status());
    write(res, cb, 200, JSON_TYPE, bytes(answer.body()), Map.of());
  }

  /**
   * The query route without HTTP, for {@link WanSimulator#queryInProcess}: the same key check,
   * query budget, ledger record and answer as {@code GET /api/v1/tasks/{id}}; injected faults do
   * not apply.
   *
   * @return the answer, or the refusal an HTTP caller would have received
   */
  DirectAnswer queryDirect(String key, String taskId) {
    Instant now = config.clock().instant();
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    Refusal refusal = authRefusal(key, caller);
    if (refusal == null && config.enforceRateLimits() && !queryBudget(account, now)) {
      refusal = throttled();
    }
    if (refusal != null) {
      ledger.record(new SimulatorLedger.Poll(taskId, now, account, keyId, null, refusal.status()));
      return new DirectAnswer(null, refusal);
    }
    NativeTask answer =
        nativeTask(taskId, board.find(taskId, now).filter(t -> t.account.equals(account)), now);
    ledger.record(
        new SimulatorLedger.Poll(taskId, now, account, keyId, answer.status().name(), 200));
    return new DirectAnswer(answer.body(), null);
  }

  /**
   * An in-process answer: the JSON body, or the refusal.
   *
   * @param body the answer's JSON, null when refused
   * @param refusal why the call was refused, null when answered
   */
  record DirectAnswer(ObjectNode body, Refusal refusal) {}

  /**
   * The native answer of {@code GET /api/v1/tasks/{id}} and the status it reports.
   *
   * @param body the JSON answer
   * @param status the task_status in it
   */
  record NativeTask(ObjectNode body, NativeStatus status) {}

  /**
   * The native answer about {@code taskId}: its state at {@code now} with a signed link when it
   * succeeded, or UNKNOWN when {@code found} is empty.
   */
  NativeTask nativeTask(String taskId, Optional<SimulatedTask> found, Instant now) {
    if (found.isEmpty()) {
      ObjectNode body = mapper.createObjectNode();
      body.put("request_id", UUID.randomUUID().toString());
      ObjectNode out = body.putObject("output");
      out.put("task_id", taskId);
      out.put("task_status", "UNKNOWN");
      return new NativeTask(body, NativeStatus.UNKNOWN);
    }
    SimulatedTask task = found.get();
    TaskBoard.Timeline timeline = board.timeline(task, now);
    NativeStatus status = timeline.status();
    String link = status == NativeStatus.SUCCEEDED ? signedLink(task, timeline.ended(), now) : null;
    return new NativeTask(
        TaskJson.query(
            mapper, UUID.randomUUID().toString(), task, timeline, link, config.usageStyle()),
        status);
  }

  /** Makes the result link of {@code taskId} exactly {@code url} from now on (SSRF tests). */
  void overrideResultLink(String taskId, String url) {
    resultLinkOverrides.put(
        Objects.requireNonNull(taskId, "taskId"), Objects.requireNonNull(url, "url"));
  }

  /**
   * Valid until end + lifetime; once that has passed, re-signed from now (a fresh link). A link set
   * with {@link #overrideResultLink} is returned as it is.
   */
  String signedLink(SimulatedTask task, Instant ended, Instant now) {
    String override = resultLinkOverrides.get(task.taskId);
    if (override != null) {
      return override;
    }
    Instant expires = ended.plus(config.linkLifetime());
    if (!now.isBefore(expires)) {
      expires = now.plus(config.linkLifetime());
    }
    return signer.link(
        publicBase.get(), signer.objectKey(task.taskId, ended), expires.getEpochSecond());
  }

  private void cancel(
      FaultDice.Decision decision, String taskId, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String key = bearer(req);
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      ledger.record(
          new SimulatorLedger.Cancel(taskId, now, account, keyId, faultStatus(decision), false));
      injectFault(decision, req, res, cb, now);
      return;
    }
    Refusal refusal = authRefusal(key, caller);
    if (refusal == null && config.enforceRateLimits() && !queryBudget(account, now)) {
      refusal = throttled();
    }
    boolean canceled = false;
    if (refusal == null) {
      Optional<SimulatedTask> task = board.find(taskId, now).filter(t -> t.account.equals(account));
      canceled = task.isPresent() && board.cancel(task.get(), now);
      if (!canceled) {
        refusal =
            new Refusal(
                400,
                "UnsupportedOperation",
                "Failed to cancel the task, please confirm if the task is in PENDING status.");
      }
    }
    if (refusal != null) {
      ledger.record(
          new SimulatorLedger.Cancel(taskId, now, account, keyId, refusal.status(), false));
      writeRefusal(res, cb, refusal, now);
      return;
    }
    ledger.record(new SimulatorLedger.Cancel(taskId, now, account, keyId, 200, canceled));
    LOG.debug("cancel taskId={} canceled", taskId);
    ObjectNode body = mapper.createObjectNode();
    body.put("request_id", UUID.randomUUID().toString());
    write(res, cb, 200, JSON_TYPE, bytes(body), Map.of());
  }

  private void list(FaultDice.Decision decision, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String key = bearer(req);
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      ledger.record(new SimulatorLedger.ListCall(now, account, keyId, faultStatus(decision), 0));
      injectFault(decision, req, res, cb, now);
      return;
    }
    Refusal refusal = authRefusal(key, caller);
    if (refusal == null && config.enforceRateLimits() && !queryBudget(account, now)) {
      refusal = throttled();
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
      ledger.record(new SimulatorLedger.ListCall(now, account, keyId, refusal.status(), 0));
      writeRefusal(res, cb, refusal, now);
      return;
    }
    String model = params.getValue("model_name");
    String status = params.getValue("status");
    String onlyTask = params.getValue("task_id");
    List<ObjectNode> matching = new ArrayList<>();
    for (SimulatedTask t : board.tasksOf(account, now)) {
      if (t.submitted.isBefore(start) || t.submitted.isAfter(end)) {
        continue;
      }
      if (model != null && !model.isEmpty() && !model.equals(t.model)) {
        continue;
      }
      if (onlyTask != null && !onlyTask.isEmpty() && !onlyTask.equals(t.taskId)) {
        continue;
      }
      TaskBoard.Timeline timeline = board.timeline(t, now);
      if (status != null
          && !status.isEmpty()
          && !status.toUpperCase(Locale.ROOT).equals(timeline.status().name())) {
        continue;
      }
      String kind = t.endpointPath.contains("/image2video/") ? "image2video" : "video-generation";
      matching.add(TaskJson.listEntry(mapper, t, timeline, kind));
    }
    int total = matching.size();
    int totalPages = total == 0 ? 0 : (total + pageSize - 1) / pageSize;
    int from = (int) Math.min((long) (pageNo - 1) * pageSize, total);
    int to = Math.min(from + pageSize, total);
    ObjectNode body = mapper.createObjectNode();
    body.put("total", total);
    ArrayNode data = body.putArray("data");
    matching.subList(from, to).forEach(data::add);
    body.put("total_page", totalPages);
    body.put("page_no", pageNo);
    body.put("request_id", UUID.randomUUID().toString());
    body.put("page_size", pageSize);
    ledger.record(new SimulatorLedger.ListCall(now, account, keyId, 200, to - from));
    write(res, cb, 200, JSON_TYPE, bytes(body), Map.of());
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

  boolean queryBudget(String account, Instant now) {
    return limiter.tryAcquire("query|" + account, config.queryQpsPerAccount(), now);
  }

  // ---------------------------------------------------------------- OSS download

  private void download(
      FaultDice.Decision decision, String path, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String rest = path.substring("/oss/".length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String objectKey = slash < 0 ? "" : rest.substring(slash + 1);
    String file = objectKey.substring(objectKey.lastIndexOf('/') + 1);
    String taskId = file.endsWith(".mp4") ? file.substring(0, file.length() - 4) : null;
    String requestId = ossRequestId();
    OssErrors.Refusal refusal = null;
    switch (decision.outcome()) {
      case RESET -> {
        ledger.record(new SimulatorLedger.Download(taskId, now, 0, "reset", 0, null));
        reset(req, cb);
        return;
      }
      case THROTTLE, UNAVAILABLE -> refusal = OssErrors.SLOW_DOWN;
      case INTERNAL_ERROR -> refusal = OssErrors.INTERNAL_ERROR;
      default -> {
        // served normally, or truncated below for MALFORMED
      }
    }
    Map<String, String> query = new HashMap<>();
    for (Fields.Field f : Request.extractQueryParameters(req, StandardCharsets.UTF_8)) {
      query.put(f.getName(), f.getValue());
    }
    Instant expires = null;
    if (refusal == null && !bucket.equals(signer.bucket())) {
      refusal = OssErrors.NO_SUCH_BUCKET;
    }
    if (refusal == null) {
      boolean hasAuthorization = req.getHeaders().get(HttpHeader.AUTHORIZATION) != null;
      OssLinkSigner.Check check =
          signer.check(req.getMethod(), objectKey, query, hasAuthorization, now);
      refusal =
          switch (check) {
            case OK -> null;
            case AUTHORIZATION_HEADER -> OssErrors.AUTHORIZATION_HEADER;
            case MISSING_SIGNATURE -> OssErrors.MISSING_SIGNATURE;
            case UNKNOWN_ACCESS_KEY -> OssErrors.UNKNOWN_ACCESS_KEY;
            case EXPIRED -> OssErrors.EXPIRED;
            case SIGNATURE_MISMATCH -> OssErrors.SIGNATURE_MISMATCH;
          };
      if (check == OssLinkSigner.Check.EXPIRED) {
        expires = Instant.ofEpochSecond(Long.parseLong(query.get("Expires")));
      }
    }
    SimulatedTask task = null;
    if (refusal == null) {
      task = taskId == null ? null : board.find(taskId, now).orElse(null);
      TaskBoard.Timeline timeline = task == null ? null : board.timeline(task, now);
      boolean served =
          timeline != null
              && task.fate == SimulatedTask.Fate.SUCCEED
              && !timeline.canceled()
              && timeline.ended() != null
              && !timeline.ended().isAfter(now)
              && signer.objectKey(task.taskId, timeline.ended()).equals(objectKey);
      if (!served) {
        refusal = OssErrors.NO_SUCH_KEY;
      }
    }
    if (refusal != null) {
      LOG.debug("download refused taskId={} code={}", taskId, refusal.code());
      ledger.record(
          new SimulatorLedger.Download(taskId, now, refusal.status(), refusal.code(), 0, null));
      String host = signer.bucket() + ".oss-cn-beijing.aliyuncs.com";
      write(
          res,
          cb,
          refusal.status(),
          "application/xml",
          OssErrors.xml(refusal, requestId, host, expires, now),
          Map.of("x-oss-request-id", requestId, "x-oss-ec", refusal.ec()));
      return;
    }
    VideoPayload payload = videos.apply(task);
    String sha = videoSha.apply(task);
    res.setStatus(200);
    res.getHeaders().put(HttpHeader.CONTENT_TYPE, "video/mp4");
    res.getHeaders().put(HttpHeader.CONTENT_LENGTH, payload.length());
    res.getHeaders()
        .put(HttpHeader.ETAG, "\"" + sha.substring(0, 32).toUpperCase(Locale.ROOT) + "\"");
    res.getHeaders().put("x-oss-request-id", requestId);
    res.getHeaders().put("x-oss-object-type", "Normal");
    res.getHeaders().put("x-oss-server-side-encryption", "AES256");
    if (req.getMethod().equals("HEAD")) {
      ledger.record(new SimulatorLedger.Download(task.taskId, now, 200, null, 0, sha));
      res.write(true, null, cb);
      return;
    }
    if (decision.outcome() == FaultDice.Outcome.MALFORMED) {
      // A body cut short: the full Content-Length is announced, then the connection drops.
      ledger.record(
          new SimulatorLedger.Download(
              task.taskId, now, 200, "truncated", payload.length() / 2, null));
      OutputStream out = Content.Sink.asOutputStream(res);
      byte[] head = new byte[(int) Math.min(payload.length() / 2, SampleVideo.bytes().length)];
      System.arraycopy(SampleVideo.bytes(), 0, head, 0, head.length);
      out.write(head);
      out.flush();
      reset(req, cb);
      return;
    }
    // Recorded when the answer starts, like every other call: a client may finish reading
    // before this thread returns from the last write.
    ledger.record(new SimulatorLedger.Download(task.taskId, now, 200, null, payload.length(), sha));
    try (OutputStream out = Content.Sink.asOutputStream(res)) {
      payload.writeTo(out);
    } catch (IOException e) {
      ledger.record(new SimulatorLedger.Download(task.taskId, now, 0, "aborted", 0, null));
      LOG.debug("download aborted taskId={} cause={}", task.taskId, e.getClass().getSimpleName());
      cb.failed(e);
      return;
    }
    LOG.debug("download served taskId={} bytes={}", task.taskId, payload.length());
    cb.succeeded();
  }

  private String ossRequestId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 24).toUpperCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- shared

  /** A provider refusal; status 0 means "drop the connection". */
  record Refusal(int status, String code, String message) {}

  static Refusal throttled() {
    return new Refusal(
        429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later.");
  }

  static Refusal internalError() {
    return new Refusal(
        500,
        "InternalError",
        "An internal error has occured, please try again later or contact service support.");
  }

  /** An overdue account; the real message ends in a help link (docs/protocol.md 1.8). */
  private static Refusal arrearage() {
    return new Refusal(
        400,
        "Arrearage",
        "Access denied, please make sure your account is in good standing. For details, see:"
            + " https://help.aliyun.com/zh/model-studio/error-code#overdue-payment");
  }

  private static Refusal unavailable() {
    return new Refusal(
        503, "ServiceUnavailable", "Service is temporarily unavailable, please try again later.");
  }

  /** Answers an injected fault for a DashScope route; false when the call goes on normally. */
  private boolean injectFault(
      FaultDice.Decision d, Request req, Response res, Callback cb, Instant now) {
    return injectFault(d, req, res, cb, r -> writeRefusal(res, cb, r, now));
  }

  /**
   * Answers an injected fault, a refusal written by {@code refusals} in the route's dialect; false
   * when the call goes on normally. Records nothing.
   */
  boolean injectFault(
      FaultDice.Decision d, Request req, Response res, Callback cb, Consumer<Refusal> refusals) {
    switch (d.outcome()) {
      case NONE -> {
        return false;
      }
      case THROTTLE -> refusals.accept(throttled());
      case INTERNAL_ERROR -> refusals.accept(internalError());
      case UNAVAILABLE -> refusals.accept(unavailable());
      case RESET -> reset(req, cb);
      case MALFORMED -> {
        String truncated =
            "{\"request_id\":\"" + UUID.randomUUID() + "\",\"output\":{\"task_id\":\"";
        write(res, cb, 200, JSON_TYPE, truncated.getBytes(StandardCharsets.UTF_8), Map.of());
      }
      default -> throw new IllegalStateException("unknown outcome " + d.outcome());
    }
    LOG.debug("fault injected outcome={}", d.outcome());
    return true;
  }

  static int faultStatus(FaultDice.Decision d) {
    return switch (d.outcome()) {
      case THROTTLE -> 429;
      case INTERNAL_ERROR -> 500;
      case UNAVAILABLE -> 503;
      case MALFORMED -> 200;
      default -> 0;
    };
  }

  static String faultCode(FaultDice.Decision d) {
    return switch (d.outcome()) {
      case THROTTLE -> "Throttling.RateQuota";
      case INTERNAL_ERROR -> "InternalError";
      case UNAVAILABLE -> "ServiceUnavailable";
      case RESET -> "reset";
      case MALFORMED -> "malformed";
      default -> null;
    };
  }

  private static Refusal authRefusal(String key, Caller caller) {
    if (key == null) {
      return new Refusal(401, "InvalidApiKey", "No API-key provided.");
    }
    if (caller == null) {
      return new Refusal(401, "InvalidApiKey", "Invalid API-key provided.");
    }
    return null;
  }

  static String bearer(Request req) {
    String h = req.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (h == null) {
      return null;
    }
    String v = h.trim();
    if (v.regionMatches(true, 0, "Bearer ", 0, 7)) {
      v = v.substring(7).trim();
    }
    return v.isEmpty() ? null : v;
  }

  Caller caller(String key) {
    if (key == null) {
      return null;
    }
    if (config.apiKeys().isEmpty()) {
      return new Caller(SimulatorLedger.keyId(key), SimulatorConfig.DEFAULT_ACCOUNT);
    }
    String account = config.apiKeys().get(key);
    return account == null ? null : new Caller(SimulatorLedger.keyId(key), account);
  }

  static String readBody(Request req) {
    try {
      if (req.getLength() > MAX_BODY) {
        Content.Source.consumeAll(req);
        return null;
      }
      return Content.Source.asString(req, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  JsonNode parseJson(String text) {
    if (text == null) {
      return null;
    }
    try {
      return mapper.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  void writeRefusal(Response res, Callback cb, Refusal r, Instant now) {
    Map<String, String> headers = new HashMap<>();
    if (r.status() == 429 && config.retryAfter() != null) {
      long seconds = (config.retryAfter().toMillis() + 999) / 1000;
      headers.put("Retry-After", Long.toString(seconds));
    }
    writeJsonError(res, cb, r.status(), r.code(), r.message(), now, headers);
  }

  private void writeJsonError(
      Response res, Callback cb, int status, String code, String message, Instant now) {
    writeJsonError(res, cb, status, code, message, now, Map.of());
  }

  private void writeJsonError(
      Response res,
      Callback cb,
      int status,
      String code,
      String message,
      Instant now,
      Map<String, String> headers) {
    ObjectNode body = mapper.createObjectNode();
    body.put("request_id", UUID.randomUUID().toString());
    body.put("code", code);
    body.put("message", message);
    write(res, cb, status, JSON_TYPE, bytes(body), headers);
  }

  static void write(
      Response res,
      Callback cb,
      int status,
      String contentType,
      byte[] body,
      Map<String, String> headers) {
    res.setStatus(status);
    res.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    res.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    headers.forEach((k, v) -> res.getHeaders().put(k, v));
    res.write(true, ByteBuffer.wrap(body), cb);
  }

  /** Closes the connection without an answer, like a reset or a crashed peer. */
  static void reset(Request req, Callback cb) {
    req.getConnectionMetaData().getConnection().getEndPoint().close();
    cb.failed(new EofException("simulated connection reset"));
  }

  byte[] bytes(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static String trim(String s) {
    return s == null ? null : s.trim();
  }
}
