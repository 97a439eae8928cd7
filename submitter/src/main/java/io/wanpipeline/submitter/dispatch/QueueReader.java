package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.submitter.LedgerCheck;
import io.wanpipeline.submitter.SubmissionLedger;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts each record read from {@code submission-queue} where the dispatch ledger says it belongs:
 * waiting in its lane (fresh, or a DEFERRED retry that holds the lane until its retry time), in
 * doubt (an INTENT without an answer), or finished at once (already SUBMITTED or FAILED, a
 * tombstone, an unreadable record, a request queued twice).
 */
final class QueueReader {
  private static final Logger log = LoggerFactory.getLogger(QueueReader.class);

  private final Topic<String, QueuedRequest> queueTopic;
  private final SubmissionLedger ledger;
  private final ProviderAccounts accounts;

  QueueReader(
      Topic<String, QueuedRequest> queueTopic, SubmissionLedger ledger, ProviderAccounts accounts) {
    this.queueTopic = queueTopic;
    this.ledger = ledger;
    this.accounts = accounts;
  }

  /** Reads {@code r}, a record of the owned partition {@code o}. */
  void read(OwnedPartition o, ConsumerRecord<byte[], byte[]> r) {
    o.offsets.read(r.offset());
    if (r.value() == null) {
      o.offsets.finish(r.offset());
      return;
    }
    QueuedRequest queued;
    try {
      queued = queueTopic.value(r.value());
    } catch (SerializationException e) {
      log.error(
          "unreadable queue record skipped partition={} offset={}: {}",
          r.partition(),
          r.offset(),
          e.getMessage());
      o.offsets.finish(r.offset());
      return;
    }
    VideoRequest request = queued.getRequest();
    String requestId = request.getRequestId();
    if (o.known.contains(requestId)) {
      log.warn(
          "requestId={} queued twice; partition={} offset={} skipped",
          requestId,
          r.partition(),
          r.offset());
      o.offsets.finish(r.offset());
      return;
    }
    LaneKey key = laneOf(r, request);
    LedgerCheck.Verdict verdict =
        LedgerCheck.check(ledger.find(r.partition(), requestId), queued.getFingerprint());
    if (verdict instanceof LedgerCheck.Verdict.Fresh) {
      lane(o, key).add(WaitingRequest.fresh(r.offset(), queued));
      o.known.add(requestId);
    } else if (verdict instanceof LedgerCheck.Verdict.InDoubt inDoubt) {
      lane(o, key)
          .addInDoubt(
              new Lane.InDoubt(WaitingRequest.fresh(r.offset(), queued), inDoubt.entry(), null));
      o.known.add(requestId);
    } else if (verdict instanceof LedgerCheck.Verdict.Resume resume) {
      Lane lane = lane(o, key);
      lane.add(
          new WaitingRequest(
              r.offset(), queued, resume.attempts(), resume.firstAttemptAt(), resume.retryAt()));
      lane.holdUntil(resume.retryAt());
      o.known.add(requestId);
    } else {
      log.debug(
          "skipping requestId={} already dispatched partition={} offset={} ({})",
          requestId,
          r.partition(),
          r.offset(),
          verdict);
      o.offsets.finish(r.offset());
    }
  }

  private static LaneKey laneOf(ConsumerRecord<byte[], byte[]> r, VideoRequest request) {
    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    int bar = key.indexOf('|');
    String account =
        bar > 0
            ? key.substring(0, bar)
            : (request.getProviderAccount() == null ? "" : request.getProviderAccount());
    return new LaneKey(account, request.getModel());
  }

  private Lane lane(OwnedPartition o, LaneKey key) {
    return o.lanes.computeIfAbsent(
        key,
        k ->
            new Lane(
                k,
                new SubmitRateLimiter(
                    accounts
                        .resolve(k.account())
                        .map(a -> a.limits().submitRate(k.model()))
                        .orElse(1.0))));
  }
}
