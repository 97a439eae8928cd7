package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.infra.simulator.CreateAdmission.Admission;
import io.wanpipeline.infra.simulator.CreateAdmission.Admitted;
import io.wanpipeline.infra.simulator.CreateAdmission.CreateCall;
import io.wanpipeline.infra.simulator.CreateAdmission.Rejected;
import java.time.Instant;
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
 * Crazyrouter's Ali Bailian-compatible alias (seeds 000 and 001, docs/protocol.md 5.2), a new-api
 * based gateway relaying the native protocol under {@value #PREFIX}:
 *
 * <ul>
 *   <li>{@code POST /alibailian/api/v1/services/aigc/video-generation/video-synthesis} is the only
 *       create path, for every model (kf2v and s2v too: the gateway routes each model to its native
 *       path upstream) and needs no {@code X-DashScope-Async} (the gateway adds it upstream);
 *   <li>only the first-batch models of seed 000 are enabled ({@link #MODELS}); any other answers
 *       the distributor's HTTP 503 {@code model_not_found}, and nothing reaches the upstream. This
 *       includes VACE ({@code wanx2.1-vace-plus}, {@code wan2.1-vace-plus}) and animate ({@code
 *       wan2.2-animate-move}, {@code wan2.2-animate-mix}): seed 000 does not list them and seed 001
 *       warns not to assume every upstream Ali model is enabled;
 *   <li>{@code GET /alibailian/api/v1/tasks/{task_id}} answers the native task JSON, for tasks
 *       created through the alias with the same account's key; any other id answers HTTP 400 {@code
 *       task_not_exist} (the gateway's own record is missing), not a 200 UNKNOWN;
 *   <li>there is no cancel or list route: other paths under the prefix answer new-api's 404;
 *   <li>the upstream's refusals, faults and throttling are relayed as they are (native code,
 *       message, status and {@code Retry-After}); keys are checked by the gateway (new-api's 401).
 * </ul>
 *
 * <p>The seeds cut off the exact error bodies; they follow new-api's distributor and task handlers.
 */
final class CrazyrouterFrontEnd extends Handler.Abstract {

  private static final Logger LOG = LoggerFactory.getLogger(CrazyrouterFrontEnd.class);

  /** The alias's prefix before the native paths. */
  static final String PREFIX = "/alibailian";

  /** The first-batch models of seed 000, the ones the alias serves. */
  static final Set<String> MODELS =
      Set.of(
          "wan2.5-t2v-preview",
          "wan2.5-i2v-preview",
          "wan2.2-t2v-plus",
          "wan2.2-i2v-plus",
          "wan2.2-i2v-flash",
          "wan2.2-kf2v-flash",
          "wan2.2-s2v");

  /** The group every simulated key belongs to, as the distributor names it. */
  private static final String GROUP = "default";

  private static final String CREATE =
      PREFIX + "/api/v1/services/aigc/video-generation/video-synthesis";
  private static final String TASKS = PREFIX + "/api/v1/tasks/";

  private final SimulatorHandler upstream;

  CrazyrouterFrontEnd(SimulatorHandler upstream) {
    this.upstream = upstream;
  }

  @Override
  public boolean handle(Request req, Response res, Callback cb) {
    String path = Request.getPathInContext(req);
    if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
      return false;
    }
    String method = req.getMethod();
    if (method.equals("POST") && path.equals(CREATE)) {
      upstream.dispatch(Route.CREATE, path, req, cb, d -> create(d, path, req, res, cb));
    } else if (method.equals("GET") && isTaskPath(path)) {
      String taskId = path.substring(TASKS.length());
      upstream.dispatch(Route.QUERY, path, req, cb, d -> query(d, taskId, req, res, cb));
    } else {
      HttpReplies.readBody(req);
      answer(res, cb, NewApiAnswers.invalidUrl(upstream.mapper(), method, path));
    }
    return true;
  }

  private static boolean isTaskPath(String path) {
    return path.startsWith(TASKS)
        && path.length() > TASKS.length()
        && path.indexOf('/', TASKS.length()) < 0;
  }

  private void create(
      FaultDice.Decision decision, String path, Request req, Response res, Callback cb) {
    GatewayCall call = GatewayCall.of(upstream, req);
    Instant now = call.now();
    String account = call.account();
    String text = HttpReplies.readBody(req);
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      // Recorded before answering: a client may look at the ledger as soon as it has the answer.
      call.faultSubmission(decision, null, path);
      upstream.injectFault(decision, req, res, cb, r -> upstream.writeRefusal(res, cb, r, now));
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
    String model = modelOf(body);
    if (model != null && !MODELS.contains(model)) {
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
    Admission admission =
        upstream.admit(
            new CreateCall(call.pipelineRequestId(), call.caller(), path, body, true, null, now));
    if (admission instanceof Rejected rejected) {
      upstream.writeRefusal(res, cb, rejected.refusal(), now);
    } else if (admission instanceof Admitted admitted && !admitted.lostReply()) {
      HttpReplies.write(
          res,
          cb,
          200,
          SimulatorHandler.JSON_TYPE,
          upstream.bytes(upstream.createdJson(admitted.task())),
          Map.of());
    } else if (admission instanceof Admitted) {
      upstream.writeRefusal(res, cb, Refusal.internalError(), now);
    } else {
      HttpReplies.reset(req, cb);
    }
  }

  private void query(
      FaultDice.Decision decision, String taskId, Request req, Response res, Callback cb) {
    GatewayCall call = GatewayCall.of(upstream, req);
    Instant now = call.now();
    String account = call.account();
    if (decision.outcome() != FaultDice.Outcome.NONE) {
      call.poll(taskId, null, Refusal.faultStatus(decision));
      upstream.injectFault(decision, req, res, cb, r -> upstream.writeRefusal(res, cb, r, now));
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
      upstream.writeRefusal(res, cb, Refusal.throttled(), now);
      return;
    }
    Optional<SimulatedTask> found =
        upstream
            .board()
            .find(taskId, now)
            .filter(t -> t.account.equals(account) && t.endpointPath.startsWith(PREFIX + "/"));
    if (found.isEmpty()) {
      NewApiAnswers.Answer a = NewApiAnswers.taskNotExist(upstream.mapper());
      LOG.debug("query taskId={} unknown to the alias", taskId);
      call.poll(taskId, null, a.status());
      answer(res, cb, a);
      return;
    }
    SimulatorHandler.NativeTask task = upstream.nativeTask(taskId, found, now);
    call.poll(taskId, task.status().name(), 200);
    LOG.debug("query taskId={} status={}", taskId, task.status());
    HttpReplies.write(
        res, cb, 200, SimulatorHandler.JSON_TYPE, upstream.bytes(task.body()), Map.of());
  }

  private static String modelOf(JsonNode body) {
    if (body == null || !body.isObject() || !body.path("model").isTextual()) {
      return null;
    }
    String model = body.path("model").asText().trim();
    return model.isEmpty() ? null : model;
  }

  private void answer(Response res, Callback cb, NewApiAnswers.Answer a) {
    HttpReplies.write(
        res, cb, a.status(), SimulatorHandler.JSON_TYPE, upstream.bytes(a.body()), Map.of());
  }
}
