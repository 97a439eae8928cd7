package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.InDoubtReconciler;
import io.wanpipeline.submitter.LedgerCheck;
import io.wanpipeline.submitter.LedgerReader;
import io.wanpipeline.submitter.OutcomeDecider;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.submitter.RequestMapper;
import io.wanpipeline.submitter.RequestedFacts;
import io.wanpipeline.submitter.StatusEvents;
import io.wanpipeline.submitter.SubmissionLedger;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher loop, on one thread: consumes {@code submission-queue} (every request of one
 * (account, model) is in one partition, so this instance alone admits that model's traffic) and
 * makes each request's create call at most once, under its model's submit rate and in-progress cap,
 * LIVE before BATCH. The dispatch ledger {@code submission-dispatch} records INTENT before each
 * call and SUBMITTED, DEFERRED or FAILED after it, with the status events and the queue offsets in
 * the same Kafka transaction. Calls of different (account, model)s run at once on the call
 * executor, at most one per (account, model); every Kafka write stays on this thread.
 *
 * <p>A request waits for a free slot (in-progress cap) or a free submit permit for at most the
 * maximum queue wait, then ends FAILED {@link QueueWaitLimit#QUEUE_TIMEOUT}; a lane that waits for
 * a slot logs so every 30 s. Finished queue records are deleted by the {@link QueuePurger}. A
 * refused (429) request holds its lane until its retry time and fails after the throttle deadline.
 * A request found in doubt (INTENT without answer) is settled through the {@link InDoubtReconciler}
 * before anything else of its (account, model) is dispatched, and is never submitted again.
 */
public final class Dispatcher implements Runnable, ConsumerRebalanceListener {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final Duration BUSY_POLL = Duration.ofMillis(50);
  private static final Duration IDLE_POLL = Duration.ofMillis(500);
  private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(90);
  private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
  private static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(5);
  private static final Duration EXPIRE_EVERY = Duration.ofSeconds(1);

  /**
   * What the dispatcher works with.
   *
   * @param clock time source of every decision
   * @param topics the pipeline's public topics ({@code task-status})
   * @param queueTopic {@code submission-queue}
   * @param dispatchTopic {@code submission-dispatch}
   * @param accounts the provider accounts
   * @param clients the provider client of an account
   * @param checks facts of a request for its status events
   * @param decider what a create call's outcome means
   * @param reconciler settles requests found in doubt
   * @param calls the bounded executor of create calls and reconciliations
   * @param loadTimeout limit of reading a ledger or the status topic to its end
   * @param prepare run once on the loop's thread before anything else (schema registration)
   * @param queueWait how long a request may wait in the queue
   * @param purger deletes finished queue records; closed when the loop stops
   */
  public record Parts(
      Clock clock,
      Topics topics,
      Topic<String, QueuedRequest> queueTopic,
      Topic<String, SubmissionLedgerEntry> dispatchTopic,
      ProviderAccounts accounts,
      Function<ProviderAccount, WanClient> clients,
      RequestChecks checks,
      OutcomeDecider decider,
      InDoubtReconciler reconciler,
      ExecutorService calls,
      Duration loadTimeout,
      Runnable prepare,
      QueueWaitLimit queueWait,
      QueuePurger purger) {}

  /** A finished call, handed from a worker thread to the dispatcher thread. */
  private sealed interface Completion {
    Owned owned();

    Lane lane();
  }

  private record Created(
      Owned owned,
      Lane lane,
      WaitingRequest request,
      ProviderAccount account,
      ApiKey key,
      int attempts,
      Instant firstAttemptAt,
      SubmitOutcome outcome,
      Instant answeredAt)
      implements Completion {}

  /** A reconciliation's answer: found or not, or {@code tryAgainAfter} when nothing was decided. */
  private record Reconciled(
      Owned owned,
      Lane lane,
      Lane.InDoubt doubt,
      Optional<InDoubtReconciler.Found> found,
      Duration tryAgainAfter)
      implements Completion {}

  /** How long after its intent a request whose reconciliation keeps being put off ends in doubt. */
  static final Duration RECONCILE_GIVE_UP = Duration.ofMinutes(15);

  /** The state of one owned queue partition. */
  private static final class Owned {
    final TopicPartition tp;
    final OffsetTracker offsets;
    final long catchUpTo;
    final Map<LaneKey, Lane> lanes = new HashMap<>();
    final Set<String> known = new HashSet<>();

    Owned(TopicPartition tp, long position, long catchUpTo) {
      this.tp = tp;
      this.offsets = new OffsetTracker(position);
      this.catchUpTo = catchUpTo;
    }
  }

  /** Records and in-memory updates of one transaction. */
  private final class Batch {
    final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    final List<Runnable> after = new ArrayList<>();

    void commit() {
      if (records.isEmpty()) {
        after.forEach(Runnable::run);
        return;
      }
      transactor.commit(records, offsets());
      after.forEach(Runnable::run);
    }
  }

  private final Parts parts;
  private final Clock clock;
  private final Consumer<byte[], byte[]> consumer;
  private final Producer<byte[], byte[]> producer;
  private final LedgerReader ledgerReader;
  private final SubmissionLedger ledger;
  private final StatusFollower follower;
  private final InProgressTasks inProgress;
  private final TransactionalWriter<byte[], byte[]> transactor;
  private final StatusEvents events;
  private final Map<Integer, Owned> owned = new HashMap<>();
  private final LinkedBlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
  private Instant nextPrune = Instant.MIN;
  private Instant nextExpiry = Instant.MIN;
  private Instant pausedUntil = Instant.MIN;
  private volatile boolean running = true;
  private volatile RuntimeException failure;

  /**
   * @param parts collaborators and settings
   * @param consumer the queue consumer (its own group, read_committed, no auto commit)
   * @param producer the transactional producer of this loop
   * @param ledgerReader reader of the dispatch ledger
   * @param ledger the in-memory dispatch ledger view
   * @param follower the {@code task-status} follower feeding {@code inProgress}
   * @param inProgress the tasks in progress of every (account, model)
   */
  public Dispatcher(
      Parts parts,
      Consumer<byte[], byte[]> consumer,
      Producer<byte[], byte[]> producer,
      LedgerReader ledgerReader,
      SubmissionLedger ledger,
      StatusFollower follower,
      InProgressTasks inProgress) {
    this.parts = parts;
    this.clock = parts.clock();
    this.consumer = consumer;
    this.producer = producer;
    this.ledgerReader = ledgerReader;
    this.ledger = ledger;
    this.follower = follower;
    this.inProgress = inProgress;
    this.transactor = new TransactionalWriter<>(producer, consumer::groupMetadata);
    this.events = new StatusEvents(clock);
  }

  @Override
  public void run() {
    try {
      parts.prepare().run();
      checkCoPartitioned();
      producer.initTransactions();
      follower.catchUp(parts.loadTimeout());
      consumer.subscribe(List.of(parts.queueTopic().name()), this);
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout());
        follower.poll(Duration.ZERO);
        step(records);
      }
    } catch (WakeupException e) {
      if (running) {
        failure = e;
        log.error("dispatcher woken up unexpectedly: {}", e.toString());
      }
    } catch (RuntimeException e) {
      // The stack trace is logged once, by whoever ends the process (see SubmitterService).
      failure = e;
      log.error("dispatcher stopped: {}", e.toString());
    } finally {
      running = false;
      shutDown();
    }
  }

  /** Asks the loop to stop; calls in flight complete and their outcomes are recorded. */
  public void stop() {
    running = false;
    consumer.wakeup();
  }

  /** True until the loop stops. */
  public boolean running() {
    return running;
  }

  /** The error the loop stopped on, if it stopped on one rather than on request. */
  public Optional<RuntimeException> failure() {
    return Optional.ofNullable(failure);
  }

  private void step(ConsumerRecords<byte[], byte[]> records) {
    try {
      if (!clock.instant().isBefore(pausedUntil) && !consumer.paused().isEmpty()) {
        consumer.resume(consumer.paused());
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        Owned o = owned.get(r.partition());
        if (o != null) {
          read(o, r);
        }
      }
      recordCompletions();
      if (!clock.instant().isBefore(pausedUntil)) {
        dispatchRound();
      }
      housekeeping();
    } catch (TransactionalWriter.Aborted aborted) {
      log.warn("transaction aborted; re-reading owned partitions: {}", aborted.getMessage());
      reset();
    } catch (TransactionalWriter.Fatal fatal) {
      throw fatal;
    } catch (WakeupException e) {
      throw e;
    } catch (RuntimeException unexpected) {
      // Nothing is half-written (every write is one transaction): start again from what is
      // committed, after a pause.
      log.error("dispatching failed; retrying in {}", RETRY_AFTER_ERROR, unexpected);
      reset();
      pausedUntil = clock.instant().plus(RETRY_AFTER_ERROR);
      consumer.pause(consumer.assignment());
    }
  }

  // ---------------------------------------------------------------- reading the queue

  private void read(Owned o, ConsumerRecord<byte[], byte[]> r) {
    o.offsets.read(r.offset());
    if (r.value() == null) {
      o.offsets.finish(r.offset());
      return;
    }
    QueuedRequest queued;
    try {
      queued = parts.queueTopic().value(r.value());
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

  private Lane lane(Owned o, LaneKey key) {
    return o.lanes.computeIfAbsent(
        key,
        k ->
            new Lane(
                k,
                new SubmitRateLimiter(
                    parts
                        .accounts()
                        .resolve(k.account())
                        .map(a -> a.limits().submitRate(k.model()))
                        .orElse(1.0))));
  }

  // ---------------------------------------------------------------- dispatching

  private boolean ready(Owned o) {
    return consumer.position(o.tp) >= o.catchUpTo;
  }

  private void dispatchRound() {
    Instant now = clock.instant();
    Batch batch = new Batch();
    List<Runnable> starts = new ArrayList<>();
    List<Lane> starting = new ArrayList<>();
    expireWaiting(batch, now);
    for (Owned o : owned.values()) {
      if (!ready(o)) {
        continue;
      }
      for (Lane lane : o.lanes.values()) {
        if (lane.inFlight()) {
          continue;
        }
        if (lane.hasInDoubt()) {
          if (lane.heldAt(now)) {
            continue;
          }
          Lane.InDoubt doubt = lane.pollInDoubt();
          lane.inFlight(true);
          starting.add(lane);
          starts.add(() -> startReconcile(o, lane, doubt));
          continue;
        }
        WaitingRequest head = lane.peek();
        if (head == null
            || lane.heldAt(now)
            || (head.notBefore() != null && head.notBefore().isAfter(now))) {
          continue;
        }
        Optional<ProviderAccount> account = parts.accounts().resolve(lane.key.account());
        if (account.isEmpty()) {
          lane.poll();
          fail(
              batch,
              o,
              lane,
              head,
              validationError(
                  "provider_account",
                  "provider account '" + lane.key.account() + "' is no longer configured"),
              head.attempts(),
              head.firstAttemptAt());
          continue;
        }
        int max = account.get().limits().maxInProgress(lane.key.model());
        int busy = inProgress.count(lane.key, now);
        if (busy >= max) {
          if (lane.shouldLogFull(now)) {
            log.info(
                "waiting for a free slot lane={} inProgress={} maxInProgress={} waiting={}"
                    + " nextRequestId={}",
                lane.key,
                busy,
                max,
                lane.waitingCount(),
                head.requestId());
          }
          continue;
        }
        if (!lane.limiter.tryAcquire(now)) {
          continue;
        }
        lane.poll();
        int attempts = head.attempts() + 1;
        Instant first = head.firstAttemptAt() == null ? now : head.firstAttemptAt();
        ApiKey key = account.get().submitKey();
        SubmissionLedgerEntry intent =
            entry(head, lane.key, SubmissionKind.INTENT)
                .setAttempts(attempts)
                .setFirstAttemptAt(millis(first))
                .setApiKeyRef(key.ref())
                .build();
        batch.records.add(ledgerRecord(o, intent));
        batch.after.add(() -> ledger.record(o.tp.partition(), intent));
        lane.inFlight(true);
        starting.add(lane);
        ProviderAccount acc = account.get();
        starts.add(() -> startCreate(o, lane, head, acc, key, attempts, first));
      }
    }
    // The intents are durable before any call: a crash from here on leaves the requests in doubt,
    // never resubmitted.
    try {
      batch.commit();
    } catch (RuntimeException e) {
      starting.forEach(lane -> lane.inFlight(false));
      throw e;
    }
    starts.forEach(Runnable::run);
  }

  /**
   * Ends FAILED every waiting request of the ready partitions that has waited the maximum queue
   * wait, at most once a second; requests in doubt or in flight are not waiting.
   */
  private void expireWaiting(Batch batch, Instant now) {
    if (now.isBefore(nextExpiry)) {
      return;
    }
    nextExpiry = now.plus(EXPIRE_EVERY);
    QueueWaitLimit limit = parts.queueWait();
    for (Owned o : owned.values()) {
      if (!ready(o)) {
        continue;
      }
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
  }

  private void startCreate(
      Owned o,
      Lane lane,
      WaitingRequest request,
      ProviderAccount account,
      ApiKey key,
      int attempts,
      Instant first) {
    try {
      parts
          .calls()
          .execute(
              () -> {
                SubmitOutcome outcome;
                try {
                  outcome =
                      parts
                          .clients()
                          .apply(account)
                          .submit(
                              key,
                              parts.checks().forProvider(request.request()),
                              request.requestId());
                } catch (RuntimeException e) {
                  log.error(
                      "create call threw requestId={} account={} attempt={}; the request is in"
                          + " doubt",
                      request.requestId(),
                      account.name(),
                      attempts,
                      e);
                  outcome =
                      new SubmitOutcome.InDoubt(
                          "the client failed: " + e.getClass().getSimpleName());
                }
                completions.add(
                    new Created(
                        o, lane, request, account, key, attempts, first, outcome, clock.instant()));
              });
    } catch (RejectedExecutionException e) {
      // Only while shutting down; the intent stays and the next owner finds it in doubt.
      log.warn("create call not started requestId={}: {}", request.requestId(), e.toString());
    }
  }

  private void startReconcile(Owned o, Lane lane, Lane.InDoubt doubt) {
    Optional<ProviderAccount> account = parts.accounts().resolve(lane.key.account());
    Set<String> knownTaskIds = knownTaskIds(o, lane.key);
    try {
      parts
          .calls()
          .execute(
              () -> {
                Optional<InDoubtReconciler.Found> found;
                Duration tryAgainAfter = null;
                try {
                  found =
                      account.flatMap(
                          a ->
                              parts
                                  .reconciler()
                                  .reconcile(
                                      doubt.waiting().request(), a, doubt.intent(), knownTaskIds));
                } catch (InDoubtReconciler.TryLater later) {
                  found = Optional.empty();
                  tryAgainAfter = later.after();
                } catch (RuntimeException e) {
                  log.warn(
                      "reconciling in-doubt requestId={} failed: {}",
                      doubt.waiting().requestId(),
                      e.toString());
                  found = Optional.empty();
                }
                completions.add(new Reconciled(o, lane, doubt, found, tryAgainAfter));
              });
    } catch (RejectedExecutionException e) {
      log.warn(
          "reconciliation not started requestId={}: {}", doubt.waiting().requestId(), e.toString());
    }
  }

  private Set<String> knownTaskIds(Owned o, LaneKey lane) {
    return ledger.entries(o.tp.partition()).values().stream()
        .filter(e -> e.getTaskId() != null)
        .filter(e -> lane.account().equals(e.getProviderAccount()))
        .filter(e -> lane.model().equals(e.getModel()))
        .map(SubmissionLedgerEntry::getTaskId)
        .collect(Collectors.toUnmodifiableSet());
  }

  // ---------------------------------------------------------------- recording outcomes

  private void recordCompletions() {
    List<Completion> done = new ArrayList<>();
    completions.drainTo(done);
    if (!done.isEmpty()) {
      record(done);
    }
  }

  private void record(List<Completion> done) {
    Batch batch = new Batch();
    for (Completion c : done) {
      c.lane().inFlight(false);
      if (owned.get(c.owned().tp.partition()) != c.owned()) {
        log.warn(
            "outcome of requestId={} not recorded: partition={} is no longer owned; its next owner"
                + " finds the request in doubt",
            c instanceof Created cr
                ? cr.request().requestId()
                : ((Reconciled) c).doubt().waiting().requestId(),
            c.owned().tp.partition());
        continue;
      }
      if (c instanceof Created created) {
        recordCreated(batch, created);
      } else {
        recordReconciled(batch, (Reconciled) c);
      }
    }
    batch.commit();
  }

  private void recordCreated(Batch batch, Created c) {
    Owned o = c.owned();
    Lane lane = c.lane();
    WaitingRequest w = c.request();
    String requestId = w.requestId();
    Optional<SubmissionLedgerEntry> intent = ledger.find(o.tp.partition(), requestId);
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
        parts.decider().decide(c.outcome(), c.attempts(), c.firstAttemptAt(), c.answeredAt());
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
      batch.after.add(() -> ledger.record(o.tp.partition(), entry));
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

  private void recordReconciled(Batch batch, Reconciled c) {
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

  private void submitted(
      Batch batch,
      Owned o,
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
          ledger.record(o.tp.partition(), entry);
          inProgress.submitted(lane.key, w.requestId(), taskId, submittedAt);
          o.known.remove(w.requestId());
        });
  }

  private void fail(
      Batch batch,
      Owned o,
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
          ledger.record(o.tp.partition(), entry);
          o.known.remove(w.requestId());
        });
  }

  private RequestedFacts facts(WaitingRequest w) {
    return parts.checks().facts(RequestMapper.toGeneration(w.request()));
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
  private ProducerRecord<byte[], byte[]> ledgerRecord(Owned o, SubmissionLedgerEntry entry) {
    Topic<String, SubmissionLedgerEntry> topic = parts.dispatchTopic();
    return new ProducerRecord<>(
        topic.name(),
        o.tp.partition(),
        topic.keyBytes(entry.getRequestId()),
        topic.valueBytes(entry));
  }

  private ProducerRecord<byte[], byte[]> status(TaskStatus event) {
    Topic<String, TaskStatus> topic = parts.topics().taskStatus();
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

  /** The committable offset of every owned partition: every transaction carries them. */
  private Map<TopicPartition, Long> offsets() {
    Map<TopicPartition, Long> out = new HashMap<>();
    owned.values().forEach(o -> out.put(o.tp, o.offsets.committable()));
    return out;
  }

  // ---------------------------------------------------------------- housekeeping, rebalances

  private Duration pollTimeout() {
    if (!completions.isEmpty()) {
      return Duration.ZERO;
    }
    for (Owned o : owned.values()) {
      for (Lane lane : o.lanes.values()) {
        if (lane.inFlight() || lane.peek() != null || lane.hasInDoubt()) {
          return BUSY_POLL;
        }
      }
    }
    return IDLE_POLL;
  }

  private void housekeeping() {
    Instant now = clock.instant();
    if (now.isBefore(nextPrune)) {
      return;
    }
    nextPrune = now.plus(PRUNE_EVERY);
    int removed = ledger.prune(now);
    inProgress.prune(now);
    if (removed > 0) {
      log.info("forgot {} dispatch ledger entries past the dedupe retention", removed);
    }
    if (!owned.isEmpty()) {
      parts
          .purger()
          .purge(
              consumer.committed(
                  owned.values().stream().map(o -> o.tp).collect(Collectors.toSet())));
    }
  }

  /** Waits for the calls in flight of the partitions {@code which} selects, and records them. */
  private void settleInFlight(Predicate<Owned> which) {
    List<Completion> got = new ArrayList<>();
    completions.drainTo(got);
    got.forEach(c -> c.lane().inFlight(false));
    Instant giveUpAt = clock.instant().plus(IN_FLIGHT_WAIT);
    while (anyInFlight(which)) {
      if (clock.instant().isAfter(giveUpAt)) {
        log.warn("calls still in flight after {}; their requests stay in doubt", IN_FLIGHT_WAIT);
        break;
      }
      try {
        Completion c = completions.poll(200, TimeUnit.MILLISECONDS);
        if (c != null) {
          c.lane().inFlight(false);
          got.add(c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (got.isEmpty()) {
      return;
    }
    try {
      record(got);
    } catch (TransactionalWriter.Aborted e) {
      log.warn(
          "recording {} outcomes failed; their requests are found in doubt: {}",
          got.size(),
          e.getMessage());
    }
  }

  private boolean anyInFlight(Predicate<Owned> which) {
    return owned.values().stream()
        .filter(which)
        .flatMap(o -> o.lanes.values().stream())
        .anyMatch(Lane::inFlight);
  }

  /** Forgets everything in memory and starts the owned partitions again from committed state. */
  private void reset() {
    settleInFlight(o -> true);
    Set<TopicPartition> tps = owned.values().stream().map(o -> o.tp).collect(Collectors.toSet());
    forget(tps);
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(tps);
    for (TopicPartition tp : tps) {
      OffsetAndMetadata offset = committed.get(tp);
      if (offset == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, offset.offset());
      }
    }
    adopt(tps);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    adopt(partitions);
    log.info("dispatcher assigned partitions={}", partitions);
  }

  private void adopt(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    // Fetching positions waits until no transaction of a previous owner is pending
    // (read_committed), so its ledger entries are committed or aborted before the ledger is read.
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (TopicPartition tp : partitions) {
      positions.put(tp, consumer.position(tp));
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Set<Integer> numbers =
        partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    Map<Integer, Map<String, SubmissionLedgerEntry>> loaded = ledgerReader.load(numbers);
    // The previous owner's last SUBMITTED events count before its lanes are dispatched here.
    follower.readToEnd(parts.loadTimeout());
    Instant now = clock.instant();
    for (TopicPartition tp : partitions) {
      ledger.load(tp.partition(), loaded.getOrDefault(tp.partition(), Map.of()), now);
      owned.put(tp.partition(), new Owned(tp, positions.get(tp), end.getOrDefault(tp, 0L)));
    }
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    Set<Integer> numbers =
        partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    settleInFlight(o -> numbers.contains(o.tp.partition()));
    forget(partitions);
    log.info("dispatcher revoked partitions={}", partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    forget(partitions);
    log.warn("dispatcher lost partitions={}", partitions);
  }

  private void forget(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      owned.remove(tp.partition());
      ledger.drop(tp.partition());
    }
  }

  private void checkCoPartitioned() {
    String queue = parts.queueTopic().name();
    String dispatch = parts.dispatchTopic().name();
    List<PartitionInfo> queueParts = consumer.partitionsFor(queue);
    List<PartitionInfo> ledgerParts = consumer.partitionsFor(dispatch);
    if (queueParts == null || queueParts.isEmpty()) {
      throw new IllegalStateException("topic " + queue + " does not exist");
    }
    if (ledgerParts == null || ledgerParts.size() != queueParts.size()) {
      throw new IllegalStateException(
          "the dispatch ledger "
              + dispatch
              + " must have as many partitions as "
              + queue
              + " ("
              + queueParts.size()
              + "), has "
              + (ledgerParts == null ? "none" : ledgerParts.size()));
    }
  }

  private void shutDown() {
    try {
      if (failure == null) {
        settleInFlight(o -> true);
      }
    } catch (RuntimeException e) {
      log.warn("recording the last outcomes failed: {}", e.toString());
    }
    parts.calls().shutdownNow();
    try {
      parts.purger().close();
    } catch (RuntimeException e) {
      log.warn("closing the queue purger failed: {}", e.toString());
    }
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.warn("closing the dispatch producer failed: {}", e.toString());
    }
    try {
      // A static member (group.instance.id) stays in the group after a plain close: leave, so
      // that a survivor takes these partitions at once.
      consumer.close(
          org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5))
              .withGroupMembershipOperation(
                  org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation
                      .LEAVE_GROUP));
    } catch (RuntimeException e) {
      log.warn("closing the dispatch consumer failed: {}", e.toString());
    }
    try {
      ledgerReader.close();
    } catch (RuntimeException e) {
      log.warn("closing the dispatch ledger reader failed: {}", e.toString());
    }
    try {
      follower.close();
    } catch (RuntimeException e) {
      log.warn("closing the status follower failed: {}", e.toString());
    }
  }
}
