package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the native DashScope paths, the OSS result links and the ledger (Jetty core handler). It
 * is also the upstream the gateway front ends relay to: they hand create calls to {@link #admit}
 * and read tasks with {@link #nativeTask}, over the same task board, ledger, faults and links. The
 * list route ({@link TaskListRoute}), the result links ({@link OssDownloadRoute}) and the decision
 * on a create call ({@link CreateAdmission}) are their own classes.
 *
 * <p>Over 400 lines because it is both the native router and the upstream the four gateway front
 * ends share (task JSON, signed links, injected faults, refusals), over one board and one ledger.
 */
final class SimulatorHandler extends Handler.Abstract {

  private static final Logger LOG = LoggerFactory.getLogger(SimulatorHandler.class);

  private static final String API = "/api/v1";
  private static final String SERVICES = API + "/services/";
  private static final String TASKS = API + "/tasks";
  static final String JSON_TYPE = "application/json;charset=utf-8";
  static final String ASYNC_HEADER = "X-DashScope-Async";

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
  private final TaskListRoute listRoute;
  private final CreateAdmission admission;
  private final OssDownloadRoute downloadRoute;

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
    this.listRoute = new TaskListRoute(this);
    this.admission = new CreateAdmission(config, rules, board, ledger, dice, limiter);
    this.downloadRoute = new OssDownloadRoute(config, board, ledger, signer, videos, videoSha);
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
      HttpReplies.write(res, cb, 200, JSON_TYPE, ledger.toJson(), Map.of());
      return true;
    }
    if (path.equals("/__sim/redirect") && method.equals("GET")) {
      String to = Request.extractQueryParameters(req, StandardCharsets.UTF_8).getValue("to");
      if (to == null || to.isEmpty()) {
        HttpReplies.write(
            res,
            cb,
            400,
            "text/plain",
            "to= is required".getBytes(StandardCharsets.US_ASCII),
            Map.of());
      } else {
        HttpReplies.write(res, cb, 302, "text/plain", new byte[0], Map.of("Location", to));
      }
      return true;
    }
    if (path.equals("/__sim/health")) {
      HttpReplies.write(
          res, cb, 200, "text/plain", "ok".getBytes(StandardCharsets.US_ASCII), Map.of());
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
      case LIST -> listRoute.serve(decision, req, res, cb);
      case DOWNLOAD -> downloadRoute.serve(decision, path, req, res, cb);
      default -> throw new IllegalStateException("unrouted " + route);
    }
  }

  // ---------------------------------------------------------------- create

  private void create(
      FaultDice.Decision decision, String path, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String pipelineRequestId = req.getHeaders().get(WanSimulator.PIPELINE_REQUEST_ID_HEADER);
    String key = HttpReplies.bearer(req);
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    // Read the whole body first: answering before it is consumed makes Jetty close the
    // connection, which a pooling client may only notice on its next call.
    String text = HttpReplies.readBody(req);
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
              Refusal.faultStatus(decision),
              Refusal.faultCode(decision),
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
    CreateAdmission.Admission admission =
        admit(
            new CreateAdmission.CreateCall(
                pipelineRequestId,
                caller,
                path,
                parseJson(text),
                "enable".equalsIgnoreCase(trim(req.getHeaders().get(ASYNC_HEADER))),
                path,
                now));
    if (admission instanceof CreateAdmission.Rejected rejected) {
      writeRefusal(res, cb, rejected.refusal(), now);
    } else if (admission instanceof CreateAdmission.Admitted admitted && !admitted.lostReply()) {
      HttpReplies.write(res, cb, 200, JSON_TYPE, bytes(createdJson(admitted.task())), Map.of());
    } else if (admission instanceof CreateAdmission.Admitted) {
      writeRefusal(res, cb, Refusal.internalError(), now);
    } else {
      HttpReplies.reset(req, cb);
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

  /** Decides a create call; see {@link CreateAdmission#admit}. */
  CreateAdmission.Admission admit(CreateAdmission.CreateCall call) {
    return admission.admit(call);
  }

  // ---------------------------------------------------------------- query, cancel, list

  private void query(
      FaultDice.Decision decision, String taskId, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String key = HttpReplies.bearer(req);
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      ledger.record(
          new SimulatorLedger.Poll(
              taskId, now, account, keyId, null, Refusal.faultStatus(decision)));
      injectFault(decision, req, res, cb, now);
      return;
    }
    Refusal refusal = authRefusal(key, caller);
    if (refusal == null && config.enforceRateLimits() && !queryBudget(account, now)) {
      refusal = Refusal.throttled();
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
    HttpReplies.write(res, cb, 200, JSON_TYPE, bytes(answer.body()), Map.of());
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
      refusal = Refusal.throttled();
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
    String key = HttpReplies.bearer(req);
    Caller caller = caller(key);
    String keyId = SimulatorLedger.keyId(key);
    String account = caller == null ? null : caller.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      ledger.record(
          new SimulatorLedger.Cancel(
              taskId, now, account, keyId, Refusal.faultStatus(decision), false));
      injectFault(decision, req, res, cb, now);
      return;
    }
    Refusal refusal = authRefusal(key, caller);
    if (refusal == null && config.enforceRateLimits() && !queryBudget(account, now)) {
      refusal = Refusal.throttled();
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
    HttpReplies.write(res, cb, 200, JSON_TYPE, bytes(body), Map.of());
  }

  boolean queryBudget(String account, Instant now) {
    return limiter.tryAcquire("query|" + account, config.queryQpsPerAccount(), now);
  }

  // ---------------------------------------------------------------- shared

  /** Answers an injected fault for a DashScope route; false when the call goes on normally. */
  boolean injectFault(FaultDice.Decision d, Request req, Response res, Callback cb, Instant now) {
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
      case THROTTLE -> refusals.accept(Refusal.throttled());
      case INTERNAL_ERROR -> refusals.accept(Refusal.internalError());
      case UNAVAILABLE -> refusals.accept(Refusal.unavailable());
      case RESET -> HttpReplies.reset(req, cb);
      case MALFORMED -> {
        String truncated =
            "{\"request_id\":\"" + UUID.randomUUID() + "\",\"output\":{\"task_id\":\"";
        HttpReplies.write(
            res, cb, 200, JSON_TYPE, truncated.getBytes(StandardCharsets.UTF_8), Map.of());
      }
      default -> throw new IllegalStateException("unknown outcome " + d.outcome());
    }
    LOG.debug("fault injected outcome={}", d.outcome());
    return true;
  }

  static Refusal authRefusal(String key, Caller caller) {
    if (key == null) {
      return new Refusal(401, "InvalidApiKey", "No API-key provided.");
    }
    if (caller == null) {
      return new Refusal(401, "InvalidApiKey", "Invalid API-key provided.");
    }
    return null;
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
    HttpReplies.write(res, cb, status, JSON_TYPE, bytes(body), headers);
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
