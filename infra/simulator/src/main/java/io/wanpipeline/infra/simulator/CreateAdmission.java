package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the provider does with a create call once the caller is known, for the native route and
 * every gateway alike: refuse it (synchronous call, unreadable body, unknown model or path, invalid
 * request by the simulator's own rules, a scenario marker, the submit rate) or create the task and
 * decide its fate. Every call is recorded in the ledger, whatever the outcome.
 */
final class CreateAdmission {
  private static final Logger LOG = LoggerFactory.getLogger(CreateAdmission.class);

  private final SimulatorConfig config;
  private final ModelRules rules;
  private final TaskBoard board;
  private final SimulatorLedger ledger;
  private final FaultDice dice;
  private final RateLimiter limiter;

  /**
   * Draws running times ({@link RunningTimes}); apart from the fates so that they stay as seeded.
   */
  private final Random durations;

  CreateAdmission(
      SimulatorConfig config,
      ModelRules rules,
      TaskBoard board,
      SimulatorLedger ledger,
      FaultDice dice,
      RateLimiter limiter) {
    this.config = config;
    this.rules = rules;
    this.board = board;
    this.ledger = ledger;
    this.dice = dice;
    this.limiter = limiter;
    this.durations = new Random(config.seed() ^ 0x2545F4914F6CDD1DL);
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
      SimulatorHandler.Caller caller,
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
      refusal = Refusal.throttled();
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
      SimulatorHandler.Caller caller,
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
        markers.runningTime() != null ? markers.runningTime() : runningTime(request, seconds),
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

  /** The running time of a new task: the configured one, or one drawn around its class's mean. */
  private Duration runningTime(CreateBody request, BigDecimal seconds) {
    RunningTimes times = config.runningTimes();
    if (times == null) {
      return config.runningTime();
    }
    Duration mean = times.classMean(config.seed(), request.model(), rules.tierOf(request), seconds);
    synchronized (durations) {
      return times.draw(mean, durations);
    }
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
      case "429" -> Refusal.throttled();
      case "500" -> Refusal.internalError();
      case "503" -> Refusal.unavailable();
      case "arrearage" -> Refusal.arrearage();
      case "reset" -> new Refusal(0, null, null);
      default -> null; // lost-reply and unknown values create the task
    };
  }
}
