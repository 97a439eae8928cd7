package io.wanpipeline.infra.simulator;

import io.wanpipeline.infra.simulator.SimulatorHandler.Caller;
import java.time.Instant;
import org.eclipse.jetty.server.Request;

/**
 * Who made one call to a gateway front end and when, read the same way by every front end, and its
 * ledger entries: a create call's {@link SimulatorLedger.Submission}, a query's {@link
 * SimulatorLedger.Poll}, both under the caller's account (none for an unknown key).
 *
 * @param upstream the native handler whose ledger records the call
 * @param now when the call arrived, by the simulator's clock
 * @param pipelineRequestId the {@value WanSimulator#PIPELINE_REQUEST_ID_HEADER} header, null when
 *     absent
 * @param key the bearer key, null when absent
 * @param caller the key's caller, null for a missing or unknown key
 */
record GatewayCall(
    SimulatorHandler upstream, Instant now, String pipelineRequestId, String key, Caller caller) {

  /** Reads the time, request id and caller of {@code req}; does not touch its body. */
  static GatewayCall of(SimulatorHandler upstream, Request req) {
    Instant now = upstream.config().clock().instant();
    String pipelineRequestId = req.getHeaders().get(WanSimulator.PIPELINE_REQUEST_ID_HEADER);
    String key = HttpReplies.bearer(req);
    return new GatewayCall(upstream, now, pipelineRequestId, key, upstream.caller(key));
  }

  /** The caller's account; null for a missing or unknown key. */
  String account() {
    return caller == null ? null : caller.account();
  }

  /** The key's ledger id (never the key itself). */
  String keyId() {
    return SimulatorLedger.keyId(key);
  }

  /** Records this create call's answer in the ledger. */
  void submission(String model, String path, int status, String code) {
    upstream
        .ledger()
        .record(
            new SimulatorLedger.Submission(
                pipelineRequestId, now, account(), keyId(), model, path, status, code, null));
  }

  /** Records an injected fault as this create call's answer. */
  void faultSubmission(FaultDice.Decision decision, String model, String path) {
    submission(model, path, Refusal.faultStatus(decision), Refusal.faultCode(decision));
  }

  /** Records this query's answer in the ledger. */
  void poll(String taskId, String status, int httpStatus) {
    upstream
        .ledger()
        .record(new SimulatorLedger.Poll(taskId, now, account(), keyId(), status, httpStatus));
  }
}
