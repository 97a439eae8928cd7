package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.runtime.loop.LoopStep;
import io.wanpipeline.runtime.loop.TransactionalLoop;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.submitter.CoPartitioning;
import io.wanpipeline.submitter.InDoubtReconciler;
import io.wanpipeline.submitter.LedgerReader;
import io.wanpipeline.submitter.SubmissionLedger;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.account.ProviderAccount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher, as the step of its {@link TransactionalLoop}: consumes {@code submission-queue}
 * (every request of one (account, model) is in one partition, so this instance alone admits that
 * model's traffic) and makes each request's create call at most once, under its model's submit rate
 * and in-progress cap, LIVE before BATCH. The dispatch ledger {@code submission-dispatch} records
 * INTENT before each call and SUBMITTED, DEFERRED or FAILED after it, with the status events and
 * the queue offsets in the same Kafka transaction. Calls of different (account, model)s run at once
 * on the call executor, at most one per (account, model); every Kafka write stays on the loop's
 * thread.
 *
 * <p>Its parts, each named after what it decides: {@link QueueReader} (where a queue record
 * belongs), {@link AdmissionPolicy} (which lane may call now), {@link CallRunner} (the calls on the
 * executor), {@link OutcomeRecorder} (the ledger entries and events of decisions and answers). This
 * class owns the partitions: their assignment, the rounds, the transactions, the rewinds.
 *
 * <p>A request waits for a free slot or a free submit permit for at most the maximum queue wait,
 * then ends FAILED {@link QueueWaitLimit#QUEUE_TIMEOUT}; a lane that waits for a slot logs so every
 * 30 s. Finished queue records are deleted by the {@link QueuePurger}. A refused (429) request
 * holds its lane until its retry time and fails after the throttle deadline. A request found in
 * doubt (INTENT without answer) is settled through the {@link InDoubtReconciler} before anything
 * else of its (account, model) is dispatched, and is never submitted again.
 *
 * <p>Over 400 lines: the loop step's rebalance, read and work callbacks share the lanes and the
 * ledger; the decisions live in QueueReader, AdmissionPolicy, CallRunner and OutcomeRecorder.
 */
public final class Dispatcher implements LoopStep {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final Duration BUSY_POLL = Duration.ofMillis(50);
  private static final Duration IDLE_POLL = Duration.ofMillis(500);
  private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(90);
  private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
  private static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(5);
  private static final Duration EXPIRE_EVERY = Duration.ofSeconds(1);

  /** How the dispatcher's loop waits: 5 s after an error, 90 s for calls in flight at a stop. */
  public static TransactionalLoop.Settings loopSettings() {
    return new TransactionalLoop.Settings(
        "submitter-dispatch", RETRY_AFTER_ERROR, RETRY_AFTER_ERROR, IN_FLIGHT_WAIT);
  }

  private final DispatchParts parts;
  private final Clock clock;
  private final Consumer<byte[], byte[]> consumer;
  private final TransactionalWriter<byte[], byte[]> writer;
  private final LedgerReader ledgerReader;
  private final SubmissionLedger ledger;
  private final StatusFollower follower;
  private final InProgressTasks inProgress;
  private final CancelRequests cancels;
  private final QueueReader reader;
  private final AdmissionPolicy policy;
  private final CallRunner calls;
  private final OutcomeRecorder recorder;
  private final QueuePartitions owned;
  private Instant nextPrune = Instant.MIN;
  private Instant nextExpiry = Instant.MIN;

  /** The {@link CancelRequests#changes()} every waiting request was last checked against. */
  private long cancelsChecked = -1;

  /** Whether requests were read or calls answered since the last cancel check. */
  private boolean uncheckedArrivals = true;

  /**
   * @param parts collaborators and settings
   * @param consumer the loop's queue consumer (its own group, read_committed, no auto commit)
   * @param writer the loop's writer
   * @param ledgerReader reader of the dispatch ledger
   * @param ledger the in-memory dispatch ledger view
   * @param follower the {@code task-status} follower feeding {@code inProgress}
   * @param inProgress the tasks in progress of every (account, model)
   * @param cancels the cancel commands, fed by {@code follower}
   */
  public Dispatcher(
      DispatchParts parts,
      Consumer<byte[], byte[]> consumer,
      TransactionalWriter<byte[], byte[]> writer,
      LedgerReader ledgerReader,
      SubmissionLedger ledger,
      StatusFollower follower,
      InProgressTasks inProgress,
      CancelRequests cancels) {
    this.parts = parts;
    this.clock = parts.clock();
    this.consumer = consumer;
    this.writer = writer;
    this.ledgerReader = ledgerReader;
    this.ledger = ledger;
    this.follower = follower;
    this.inProgress = inProgress;
    this.cancels = cancels;
    this.owned =
        new QueuePartitions(clock, consumer, ledgerReader, ledger, follower, parts.loadTimeout());
    this.reader = new QueueReader(parts.queueTopic(), ledger, parts.accounts());
    this.policy = new AdmissionPolicy(clock, parts.accounts(), inProgress);
    this.calls =
        new CallRunner(clock, parts.calls(), parts.clients(), parts.checks(), parts.reconciler());
    this.recorder =
        new OutcomeRecorder(
            clock,
            parts.topics(),
            parts.dispatchTopic(),
            parts.checks(),
            parts.decider(),
            ledger,
            inProgress,
            parts.meters());
  }

  @Override
  public Collection<String> topics() {
    return List.of(parts.queueTopic().name());
  }

  @Override
  public void prepare() {
    parts.prepare().run();
    CoPartitioning.check(
        consumer, parts.queueTopic().name(), parts.dispatchTopic().name(), "the dispatch ledger");
  }

  @Override
  public void initialised() {
    follower.catchUp(parts.loadTimeout());
  }

  @Override
  public void read(ConsumerRecords<byte[], byte[]> records) {
    follower.poll(Duration.ZERO);
    uncheckedArrivals |= !records.isEmpty();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      OwnedPartition o = owned.get(r.partition());
      if (o != null) {
        reader.read(o, r);
      }
    }
  }

  /** Once stopping, only the answers of calls in flight are recorded (the loop's grace: 90 s). */
  @Override
  public void work(boolean stopping) {
    List<CallRunner.Completion> done = calls.drain();
    // A deferred call's request waits again: checked against the cancels like a new one.
    uncheckedArrivals |= !done.isEmpty();
    record(done);
    if (!stopping) {
      dispatchRound();
      housekeeping();
      publishLanes();
    }
  }

  @Override
  public boolean busy() {
    return owned.anyInFlight(o -> true);
  }

  @Override
  public Duration pollTimeout() {
    if (calls.hasCompletions()) {
      return Duration.ZERO;
    }
    for (OwnedPartition o : owned.all()) {
      for (Lane lane : o.lanes.values()) {
        if (lane.inFlight() || lane.peek() != null || lane.hasInDoubt()) {
          return BUSY_POLL;
        }
      }
    }
    return IDLE_POLL;
  }

  // ---------------------------------------------------------------- dispatching

  private void dispatchRound() {
    Instant now = clock.instant();
    OutcomeRecorder.Batch batch = new OutcomeRecorder.Batch();
    expireWaiting(batch, now);
    cancelWaiting(batch);
    Map<Lane, OwnedPartition> ownerOf = new IdentityHashMap<>();
    for (OwnedPartition o : owned.all()) {
      if (owned.caughtUp(o)) {
        o.lanes.values().forEach(lane -> ownerOf.put(lane, o));
      }
    }
    List<Runnable> starts = new ArrayList<>();
    List<AdmissionPolicy.Admission> round = policy.round(ownerOf.keySet());
    try {
      for (AdmissionPolicy.Admission admission : round) {
        Lane lane = admission.lane();
        OwnedPartition o = ownerOf.get(lane);
        if (admission instanceof AdmissionPolicy.Reconcile r) {
          starts.add(
              () ->
                  calls.reconcile(
                      o,
                      lane,
                      r.doubt(),
                      parts.accounts().resolve(lane.key.account()),
                      knownTaskIds(o, lane.key)));
        } else if (admission instanceof AdmissionPolicy.Call c) {
          WaitingRequest head = c.request();
          int attempts = head.attempts() + 1;
          Instant first = head.firstAttemptAt() == null ? now : head.firstAttemptAt();
          ProviderAccount account = c.account();
          ApiKey key = account.submitKey();
          recorder.intent(batch, o, lane, head, attempts, first, key);
          starts.add(() -> calls.create(o, lane, head, account, key, attempts, first));
        } else if (admission instanceof AdmissionPolicy.AccountGone gone) {
          recorder.accountGone(batch, o, lane, gone.request());
        } else if (admission instanceof AdmissionPolicy.Full full && lane.shouldLogFull(now)) {
          log.info(
              "waiting for a free slot lane={} inProgress={} maxInProgress={} waiting={}"
                  + " nextRequestId={}",
              lane.key,
              full.inProgress(),
              full.maxInProgress(),
              lane.waitingCount(),
              full.head().requestId());
        }
      }
      // The intents are durable before any call: a crash from here on leaves the requests in
      // doubt, never resubmitted.
      commit(batch);
    } catch (RuntimeException e) {
      // Nothing was called: the lanes this round put in flight are free (the loop rewinds them).
      round.stream()
          .filter(x -> x instanceof AdmissionPolicy.Call || x instanceof AdmissionPolicy.Reconcile)
          .forEach(x -> x.lane().inFlight(false));
      throw e;
    }
    starts.forEach(Runnable::run);
  }

  /**
   * Ends FAILED every waiting request of the ready partitions that has waited the maximum queue
   * wait, at most once a second; requests in doubt or in flight are not waiting.
   */
  private void expireWaiting(OutcomeRecorder.Batch batch, Instant now) {
    if (now.isBefore(nextExpiry)) {
      return;
    }
    nextExpiry = now.plus(EXPIRE_EVERY);
    for (OwnedPartition o : owned.all()) {
      if (owned.caughtUp(o)) {
        recorder.expireWaiting(batch, o, parts.queueWait(), now);
      }
    }
  }

  /**
   * Ends CANCELED the waiting requests a cancel command names, before any of them can be admitted:
   * every waiting request is checked when a command arrived or requests were read since the last
   * check (a partition still loading is checked once it has caught up).
   */
  private void cancelWaiting(OutcomeRecorder.Batch batch) {
    if (cancels.changes() == cancelsChecked && !uncheckedArrivals) {
      return;
    }
    if (cancels.isEmpty()) {
      // Nothing cancels anything: no pass over every waiting request at each read.
      cancelsChecked = cancels.changes();
      uncheckedArrivals = false;
      return;
    }
    boolean all = true;
    for (OwnedPartition o : owned.all()) {
      if (owned.caughtUp(o)) {
        recorder.cancelWaiting(batch, o, cancels);
      } else {
        all = false;
      }
    }
    if (all) {
      cancelsChecked = cancels.changes();
      uncheckedArrivals = false;
    }
  }

  private Set<String> knownTaskIds(OwnedPartition o, LaneKey lane) {
    return ledger.entries(o.partition()).values().stream()
        .filter(e -> e.getTaskId() != null)
        .filter(e -> lane.account().equals(e.getProviderAccount()))
        .filter(e -> lane.model().equals(e.getModel()))
        .map(SubmissionLedgerEntry::getTaskId)
        .collect(Collectors.toUnmodifiableSet());
  }

  // ---------------------------------------------------------------- recording answers

  private void record(List<CallRunner.Completion> done) {
    if (done.isEmpty()) {
      return;
    }
    OutcomeRecorder.Batch batch = new OutcomeRecorder.Batch();
    for (CallRunner.Completion c : done) {
      c.lane().inFlight(false);
      if (c instanceof CallRunner.Created created) {
        created.lane().limiter.answered(created.answeredAt());
        parts.meters().createCall(created.lane().key, created.outcome());
      }
      if (!owned.owns(c.owned())) {
        log.warn(
            "outcome of requestId={} not recorded: partition={} is no longer owned; its next owner"
                + " finds the request in doubt",
            c.requestId(),
            c.owned().partition());
        continue;
      }
      if (c instanceof CallRunner.Created created) {
        recorder.created(batch, created);
      } else {
        recorder.reconciled(batch, (CallRunner.Reconciled) c);
      }
    }
    commit(batch);
  }

  private void commit(OutcomeRecorder.Batch batch) {
    batch.commit(writer, owned.offsets());
  }

  // ---------------------------------------------------------------- housekeeping, rebalances

  /** Publishes what each owned lane has waiting and in progress, and its cap. */
  private void publishLanes() {
    Instant now = clock.instant();
    Set<LaneKey> present = new HashSet<>();
    for (OwnedPartition o : owned.all()) {
      for (Lane lane : o.lanes.values()) {
        int max =
            parts
                .accounts()
                .resolve(lane.key.account())
                .map(a -> a.limits().maxInProgress(lane.key.model()))
                .orElse(0);
        parts.meters().lane(lane.key, lane.waitingCount(), inProgress.count(lane.key, now), max);
        present.add(lane.key);
      }
    }
    parts.meters().lanesOtherThan(present);
  }

  private void housekeeping() {
    Instant now = clock.instant();
    if (now.isBefore(nextPrune)) {
      return;
    }
    nextPrune = now.plus(PRUNE_EVERY);
    int removed = ledger.prune(now);
    inProgress.prune(now);
    cancels.prune(now);
    if (removed > 0) {
      log.info("forgot {} dispatch ledger entries past the dedupe retention", removed);
    }
    if (!owned.all().isEmpty()) {
      parts.purger().purge(consumer.committed(owned.topicPartitions()));
    }
  }

  /** Waits for the calls in flight of the partitions {@code which} selects, and records them. */
  private void settleInFlight(Predicate<OwnedPartition> which) {
    List<CallRunner.Completion> got = calls.drain();
    got.forEach(c -> c.lane().inFlight(false));
    Instant giveUpAt = clock.instant().plus(IN_FLIGHT_WAIT);
    while (owned.anyInFlight(which) && !Thread.currentThread().isInterrupted()) {
      if (clock.instant().isAfter(giveUpAt)) {
        log.warn("calls still in flight after {}; their requests stay in doubt", IN_FLIGHT_WAIT);
        break;
      }
      calls
          .next(Duration.ofMillis(200))
          .ifPresent(
              c -> {
                c.lane().inFlight(false);
                got.add(c);
              });
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

  /** Forgets everything in memory and starts the owned partitions again from committed state. */
  @Override
  public void rewind() {
    settleInFlight(o -> true);
    owned.rewindToCommitted();
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    owned.adopt(partitions);
    log.info("dispatcher assigned partitions={}", partitions);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    Set<Integer> numbers =
        partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    settleInFlight(o -> numbers.contains(o.partition()));
    owned.forget(partitions);
    log.info("dispatcher revoked partitions={}", partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    owned.forget(partitions);
    log.warn("dispatcher lost partitions={}", partitions);
  }

  /** Stops the call workers and closes the purger, the ledger reader and the status follower. */
  @Override
  public void close() {
    calls.shutdown();
    closeQuietly("the queue purger", parts.purger()::close);
    closeQuietly("the dispatch ledger reader", ledgerReader::close);
    closeQuietly("the status follower", follower::close);
  }

  private static void closeQuietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      log.warn("closing {} failed: {}", what, e.toString());
    }
  }
}
