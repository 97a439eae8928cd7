package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.InDoubtReconciler;
import io.wanpipeline.submitter.OutcomeDecider;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.submitter.RequestMapper;
import io.wanpipeline.submitter.RequestedFacts;
import io.wanpipeline.submitter.StatusEvents;
import io.wanpipeline.submitter.SubmissionLedger;
import io.wanpipeline.submitter.SubmitterMeters;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.SubmitOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the dispatcher's decisions and the provider's answers into dispatch-ledger entries and
 * status events: INTENT before a create call; SUBMITTED, DEFERRED or FAILED after it (or after a
 * reconciliation), each with its status event, into a {@link Batch} that is committed with the
 * queue offsets in one transaction, and the in-memory updates that follow only once it committed.
 *
 * <p>Over 400 lines: every record the dispatcher writes is built here, so that a ledger entry and
 * the status event written with it cannot disagree.
 */
final class OutcomeRecorder {
  private static final Logger log = LoggerFactory.getLogger(OutcomeRecorder.class);

  /** How long after its intent a request whose reconciliation keeps being put off ends in doubt. */
  static final Duration RECONCILE_GIVE_UP = Duration.ofMinutes(15);

  /** Records and in-memory updates of one transaction. */
  static final class Batch {
    final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    final List<Runnable> after = new ArrayList<>();

    /** Commits the records with {@code offsets}, then applies the in-memory updates. */
    void commit(TransactionalWriter<byte[], byte[]> writer, Map<TopicPartition, Long> offsets) {
      if (!records.isEmpty()) {
        writer.commit(records, offsets);
      }
      after.forEach(Runnable::run);
    }
  }

  private final Clock clock;
  private final Topics topics;
  private final Topic<String, SubmissionLedgerEntry> dispatchTopic;
  private final RequestChecks checks;
  private final OutcomeDecider decider;
  private final SubmissionLedger ledger;
  private final InProgressTasks inProgress;
  private final SubmitterMeters meters;
  private final StatusEvents events;

  OutcomeRecorder(
      Clock clock,
      Topics topics,
      Topic<String, SubmissionLedgerEntry> dispatchTopic,
      RequestChecks checks,
      OutcomeDecider decider,
      SubmissionLedger ledger,
      InProgressTasks inProgress,
      SubmitterMeters meters) {
    this.clock = clock;
    this.topics = topics;
    this.dispatchTopic = dispatchTopic;
    this.checks = checks;
    this.decider = decider;
    this.ledger = ledger;
    this.inProgress = inProgress;
    this.meters = meters;
    this.events = new StatusEvents(clock);
  }

  /** Records the INTENT of attempt {@code attempts} of {@code head}, made with {@code key}. */
  void intent(
      Batch batch,
      OwnedPartition o,
      Lane lane,
      WaitingRequest head,
      int attempts,
      Instant first,
      ApiKey key) {
    SubmissionLedgerEntry intent =
        entry(head, lane.key, SubmissionKind.INTENT)
            .setAttempts(attempts)
            .setFirstAttemptAt(millis(first))
            .setApiKeyRef(key.ref())
            .build();
    batch.records.add(ledgerRecord(o, intent));
    batch.after.add(() -> ledger.record(o.partition(), intent));
  }

  /** Records a create call's answer. */
  void created(Batch batch, CallRunner.Created c) {
    OwnedPartition o = c.owned();
    Lane lane = c.lane();
    WaitingRequest w = c.request();
    String requestId = w.requestId();
    Optional<SubmissionLedgerEntry> intent = ledger.find(o.partition(), requestId);
    if (c.outcome() instanceof SubmitOutcome.InDoubt inDoubt
        && intent.isPresent()
        && intent.get().getKind() == SubmissionKind.INTENT) {
      // The call may have created a task: settle it like an intent found after a crash, through
      // the reconciler, before anything else of the lane; it is never called again.
      lane.addInDoubt(new Lane.InDoubt(w, intent.get(), inDoubt.reason()));
      log.warn(
          "create call unanswered requestId={} lane={} attempt={}: {}; reconciling",
          requestId,
          lane.key,
          c.attempts(),
          inDoubt.reason());
      return;
    }
    OutcomeDecider.Step step =
        decider.decide(c.outcome(), c.attempts(), c.firstAttemptAt(), c.answeredAt());
    if (step instanceof OutcomeDecider.Step.Submitted submitted) {
      submitted(
          batch,
          o,
          lane,
          w,
          c.attempts(),
          c.firstAttemptAt(),
          submitted.taskId(),
          c.key().ref(),
          c.answeredAt());
      batch.after.add(
          () ->
              log.info(
                  "submitted requestId={} taskId={} account={} model={} attempt={}",
                  requestId,
                  submitted.taskId(),
                  lane.key.account(),
                  lane.key.model(),
                  c.attempts()));
    } else if (step instanceof OutcomeDecider.Step.Retry retry) {
      SubmissionLedgerEntry entry =
          entry(w, lane.key, SubmissionKind.DEFERRED)
              .setAttempts(c.attempts())
              .setFirstAttemptAt(millis(c.firstAttemptAt()))
              .setRetryAt(millis(retry.retryAt()))
              .setErrorCode(retry.cause().code())
              .build();
      batch.records.add(ledgerRecord(o, entry));
      lane.add(w.deferred(c.attempts(), c.firstAttemptAt(), retry.retryAt()));
      lane.holdUntil(retry.retryAt());
      batch.after.add(() -> ledger.record(o.partition(), entry));
      log.debug(
          "refused for now requestId={} lane={} attempt={} code={} retryAt={}",
          requestId,
          lane.key,
          c.attempts(),
          retry.cause().code(),
          retry.retryAt());
    } else {
      ErrorInfo error = ((OutcomeDecider.Step.Failed) step).error();
      fail(batch, o, lane, w, error, c.attempts(), c.firstAttemptAt());
      log.warn(
          "failed requestId={} lane={} attempt={} code={} retryable={}: {}",
          requestId,
          lane.key,
          c.attempts(),
          error.getCode(),
          error.getRetryable(),
          error.getMessage());
    }
  }

  /** Records a reconciliation's answer. */
  void reconciled(Batch batch, CallRunner.Reconciled c) {
    WaitingRequest w = c.doubt().waiting();
    SubmissionLedgerEntry intent = c.doubt().intent();
    Instant now = clock.instant();
    if (c.tryAgainAfter() != null && now.isBefore(intent.getRecordedAt().plus(RECONCILE_GIVE_UP))) {
      // Nothing was decided (the list was throttled or failed): the lane keeps the request at its
      // head, still in doubt, and asks again later.
      c.lane().addInDoubt(c.doubt());
      c.lane().holdUntil(now.plus(c.tryAgainAfter()));
      log.debug(
          "reconciliation of requestId={} put off until {}",
          w.requestId(),
          now.plus(c.tryAgainAfter()));
      return;
    }
    if (c.found().isPresent()) {
      InDoubtReconciler.Found f = c.found().get();
      submitted(
          batch,
          c.owned(),
          c.lane(),
          w,
          intent.getAttempts(),
          intent.getFirstAttemptAt(),
          f.taskId(),
          f.apiKeyRef(),
          f.submittedAt());
      log.info("reconciled in-doubt requestId={} taskId={}", w.requestId(), f.taskId());
      return;
    }
    String cause = c.doubt().cause();
    ErrorInfo error =
        OutcomeDecider.inDoubt(
            cause != null
                ? "the create call of attempt " + intent.getAttempts() + " ended with " + cause
                : "found an intent of attempt "
                    + intent.getAttempts()
                    + " recorded at "
                    + intent.getRecordedAt()
                    + " without an answer");
    fail(batch, c.owned(), c.lane(), w, error, intent.getAttempts(), intent.getFirstAttemptAt());
    log.warn(
        "in doubt requestId={} lane={} offset={}: intent recorded at {}, cause: {}; ended FAILED {}",
        w.requestId(),
        c.lane().key,
        w.offset(),
        intent.getRecordedAt(),
        cause == null ? "no answer seen by this instance" : cause,
        OutcomeDecider.SUBMIT_IN_DOUBT);
  }

  /** Ends FAILED every request of {@code o} that has waited longer than {@code limit} allows. */
  void expireWaiting(Batch batch, OwnedPartition o, QueueWaitLimit limit, Instant now) {
    for (Lane lane : o.lanes.values()) {
      for (WaitingRequest w : lane.removeWaiting(r -> limit.expired(r, now))) {
        ErrorInfo error = limit.error(w, lane.key, now);
        fail(batch, o, lane, w, error, w.attempts(), w.firstAttemptAt());
        batch.after.add(
            () ->
                log.warn(
                    "queue wait exceeded requestId={} lane={} queuedAt={} maxQueueWait={}; ended"
                        + " FAILED {}",
                    w.requestId(),
                    lane.key,
                    w.queuedAt(),
                    limit.max(),
                    QueueWaitLimit.QUEUE_TIMEOUT));
      }
    }
  }

  /** Error code of a request cancelled by a command before any create call. */
  static final String CANCELED_BEFORE_SUBMISSION = "CANCELED_BEFORE_SUBMISSION";

  /**
   * Ends CANCELED every waiting request of {@code o} that a cancel command names (by request or by
   * batch): none was called, so nothing was created. Requests in doubt or in flight are not
   * waiting: once submitted, the poller cancels them at the provider.
   */
  void cancelWaiting(Batch batch, OwnedPartition o, CancelRequests cancels) {
    for (Lane lane : o.lanes.values()) {
      for (WaitingRequest w : lane.removeWaiting(r -> cancels.cancelling(r).isPresent())) {
        RequestCommand command = cancels.cancelling(w).orElseThrow();
        ErrorInfo error =
            ErrorInfo.newBuilder()
                .setCode(CANCELED_BEFORE_SUBMISSION)
                .setMessage(
                    "cancelled before submission ("
                        + RequestCommands.describe(command)
                        + "); no task was created, nothing is charged")
                .setRetryable(false)
                .setStage(ErrorStage.SUBMIT)
                .setField(null)
                .build();
        SubmissionLedgerEntry entry =
            entry(w, lane.key, SubmissionKind.FAILED)
                .setAttempts(w.attempts())
                .setFirstAttemptAt(millis(w.firstAttemptAt()))
                .setErrorCode(CANCELED_BEFORE_SUBMISSION)
                .build();
        batch.records.add(ledgerRecord(o, entry));
        batch.records.add(
            status(events.canceled(w.request(), facts(w), lane.key.account(), error)));
        o.offsets.finish(w.offset());
        batch.after.add(
            () -> {
              ledger.record(o.partition(), entry);
              o.known.remove(w.requestId());
              meters.canceled(lane.key);
              log.info(
                  "cancelled before submission requestId={} lane={} commandId={}",
                  w.requestId(),
                  lane.key,
                  command.getCommandId());
            });
      }
    }
  }

  /** Ends {@code w} FAILED: its lane's account is no longer configured. */
  void accountGone(Batch batch, OwnedPartition o, Lane lane, WaitingRequest w) {
    fail(
        batch,
        o,
        lane,
        w,
        validationError(
            "provider_account",
            "provider account '" + lane.key.account() + "' is no longer configured"),
        w.attempts(),
        w.firstAttemptAt());
  }

  /** Ends {@code w} FAILED {@code error} after {@code attempts} calls. */
  void fail(
      Batch batch,
      OwnedPartition o,
      Lane lane,
      WaitingRequest w,
      ErrorInfo error,
      int attempts,
      Instant first) {
    SubmissionLedgerEntry entry =
        entry(w, lane.key, SubmissionKind.FAILED)
            .setAttempts(attempts)
            .setFirstAttemptAt(millis(first))
            .setErrorCode(error.getCode())
            .build();
    TaskStatus event = events.failed(w.request(), facts(w), lane.key.account(), error);
    batch.records.add(ledgerRecord(o, entry));
    batch.records.add(status(event));
    o.offsets.finish(w.offset());
    batch.after.add(
        () -> {
          ledger.record(o.partition(), entry);
          o.known.remove(w.requestId());
          meters.failed(lane.key, error.getCode());
        });
  }

  private void submitted(
      Batch batch,
      OwnedPartition o,
      Lane lane,
      WaitingRequest w,
      int attempts,
      Instant first,
      String taskId,
      String apiKeyRef,
      Instant submittedAt) {
    SubmissionLedgerEntry entry =
        entry(w, lane.key, SubmissionKind.SUBMITTED)
            .setAttempts(attempts)
            .setFirstAttemptAt(millis(first))
            .setTaskId(taskId)
            .setApiKeyRef(apiKeyRef)
            .setSubmittedAt(millis(submittedAt))
            .build();
    TaskStatus event =
        events.submitted(w.request(), facts(w), lane.key.account(), taskId, apiKeyRef, submittedAt);
    batch.records.add(ledgerRecord(o, entry));
    batch.records.add(status(event));
    o.offsets.finish(w.offset());
    batch.after.add(
        () -> {
          ledger.record(o.partition(), entry);
          inProgress.submitted(lane.key, w.requestId(), taskId, submittedAt);
          o.known.remove(w.requestId());
        });
  }

  private RequestedFacts facts(WaitingRequest w) {
    return checks.facts(RequestMapper.toGeneration(w.request()));
  }

  private SubmissionLedgerEntry.Builder entry(WaitingRequest w, LaneKey lane, SubmissionKind kind) {
    return SubmissionLedgerEntry.newBuilder()
        .setRequestId(w.requestId())
        .setKind(kind)
        .setFingerprint(w.queued().getFingerprint())
        .setRecordedAt(millis(clock.instant()))
        .setFirstAttemptAt(null)
        .setAttempts(0)
        .setRetryAt(null)
        .setTaskId(null)
        .setApiKeyRef(null)
        .setSubmittedAt(null)
        .setErrorCode(null)
        .setProviderAccount(lane.account())
        .setModel(lane.model());
  }

  /** The dispatch ledger record of {@code entry}, on the partition number of its queue record. */
  private ProducerRecord<byte[], byte[]> ledgerRecord(
      OwnedPartition o, SubmissionLedgerEntry entry) {
    return new ProducerRecord<>(
        dispatchTopic.name(),
        o.partition(),
        dispatchTopic.keyBytes(entry.getRequestId()),
        dispatchTopic.valueBytes(entry));
  }

  private ProducerRecord<byte[], byte[]> status(TaskStatus event) {
    Topic<String, TaskStatus> topic = topics.taskStatus();
    return new ProducerRecord<>(
        topic.name(), topic.keyBytes(event.getRequestId()), topic.valueBytes(event));
  }

  private static ErrorInfo validationError(String field, String message) {
    return ErrorInfo.newBuilder()
        .setCode(RequestChecks.INVALID_REQUEST)
        .setMessage(message)
        .setRetryable(false)
        .setStage(ErrorStage.VALIDATION)
        .setField(field)
        .build();
  }

  private static Instant millis(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS);
  }
}
