package io.wanpipeline.poller;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.rate.CallLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Tracks submitted tasks in a store and, on a wall-clock punctuation, calls the provider about the
 * tasks that are due: the calls run in parallel on the provider executor, and every store access
 * and emitted event stays on the stream thread. A punctuation does not wait for its calls (beyond
 * {@code poller.call-wait}): each punctuation first applies the answers that have come in since the
 * last, so a slow call holds up neither the thread's other partitions nor its intake of new tasks
 * (waiting for every call, a burst of 25,000 submissions over loopback HTTP reached the poller 8 s
 * late on average, and their first polls with it). A task with a call under way is not looked at
 * again until that call's answer is applied, and an answer about a task changed meanwhile (ended by
 * an event from elsewhere, submitted anew) is dropped. The store is read once, when the processor
 * starts; from then on the tasks are read from memory ({@link LatestTasks}) and every change is
 * written to both.
 *
 * <p>Due tasks are found through an in-memory {@link DueIndex} rebuilt from the store in {@link
 * #init} and kept in step with every write, so a punctuation costs O(due tasks). When one poll of
 * every task the instance tracks for an account cannot fit in its budget within the shortest poll
 * interval ({@link ListPolicy}), the account's due tasks are answered by the list sweeps the
 * instance shares ({@link ListSweeps}), and only the tasks a list showed finished (or did not show)
 * are queried one by one, first. Elsewhere, the ends of running tasks within their expected end
 * window are looked for by the same sweeps about once a second ({@link EndWatches}), and a task a
 * list showed finished is queried as soon as its 3 s floor allows. Tasks that ended TIMED_OUT while
 * RUNNING are watched last, with whatever budget is left.
 *
 * <p>Over 400 lines: the punctuation's passes (queries, list sweeps, watches) share the stream
 * thread's store and due index; split, each would take all of them.
 */
final class PollProcessor implements Processor<String, TaskStatus, String, TaskStatus> {
  private static final Logger log = LoggerFactory.getLogger(PollProcessor.class);

  /** States after which the poller has nothing left to do for a task. */
  static final Set<TaskState> DONE_STATES =
      EnumSet.of(
          TaskState.SUCCEEDED,
          TaskState.FAILED,
          TaskState.CANCELED,
          TaskState.TIMED_OUT,
          TaskState.UNKNOWN,
          TaskState.REJECTED,
          TaskState.ARCHIVED,
          TaskState.ARCHIVE_FAILED,
          TaskState.LATE_SUCCEEDED);

  private static final int MAX_CALLS_UNDER_WAY = PollerTopology.MAX_CALLS_UNDER_WAY;

  private final String storeName;
  private final String commandsStoreName;
  private final CancelCommands.Arrivals commandArrivals;
  private final Duration punctuateInterval;
  private final Duration callWait;
  private final Clock clock;
  private final TaskTransitions transitions;
  private final QueryBudget budget;
  private final ProviderCalls calls;
  private final PartitionShare share;
  private final ListPolicy listPolicy;
  private final ListSweeps sweeps;
  private final PollerMeters meters;
  private final DueIndex active = new DueIndex();
  private final DueIndex watched = new DueIndex();
  private final Set<String> needsQuery = new HashSet<>();
  private final EndWatches ends = new EndWatches();
  private final LatestTasks tasks = new LatestTasks();

  /** request_id of every tracked task by task_id, to claim the tasks a list showed finished. */
  private final Map<String, String> requestByTask = new HashMap<>();

  /** Calls started and not yet applied, in the order they were started. */
  private final List<Pending> underWay = new ArrayList<>();

  /** The request_ids of {@link #underWay}. */
  private final Set<String> calling = new HashSet<>();

  private ProcessorContext<String, TaskStatus> context;
  private CancelCommands cancels;
  private Integer partition;

  /**
   * No provider call before this instant: {@link PollScheduler#MIN_SPACING} after the processor
   * started. A stream thread replaced after an error (a schema-registry outage replaces one every
   * second or so), a rolled-back transaction or a rebalance restores the task's store without the
   * polls made since its last commit; the fault suite saw such tasks polled every 1.1 s.
   */
  private Instant callsFrom = Instant.MIN;

  PollProcessor(
      String storeName,
      String commandsStoreName,
      CancelCommands.Arrivals commandArrivals,
      Duration punctuateInterval,
      Duration callWait,
      Clock clock,
      TaskTransitions transitions,
      QueryBudget budget,
      ProviderCalls calls,
      PartitionShare share,
      ListPolicy listPolicy,
      ListSweeps sweeps,
      PollerMeters meters) {
    this.storeName = storeName;
    this.commandsStoreName = commandsStoreName;
    this.commandArrivals = commandArrivals;
    this.punctuateInterval = punctuateInterval;
    this.callWait = callWait;
    this.clock = clock;
    this.transitions = transitions;
    this.budget = budget;
    this.calls = calls;
    this.share = share;
    this.listPolicy = listPolicy;
    this.sweeps = sweeps;
    this.meters = meters;
  }

  @Override
  public void init(ProcessorContext<String, TaskStatus> context) {
    this.context = context;
    KeyValueStore<String, InFlightTask> store = context.getStateStore(storeName);
    this.cancels = new CancelCommands(context.getStateStore(commandsStoreName), commandArrivals);
    // The store is restored before processors are initialised: rebuild the due index from it.
    active.clear();
    watched.clear();
    needsQuery.clear();
    requestByTask.clear();
    ends.clear();
    underWay.clear();
    calling.clear();
    tasks.load(store, this::index);
    partition = context.taskId().partition();
    share.acquire(partition);
    // The store may have been rolled back, or the partition was another instance's a moment ago:
    // either may have called about these tasks within the last 3 s, and the store would not say.
    callsFrom = clock.instant().plus(PollScheduler.MIN_SPACING);
    log.debug(
        "poll processor started task={} inFlight={} watched={}",
        context.taskId(),
        active.size(),
        watched.size());
    context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, timestamp -> pollDue());
  }

  @Override
  public void close() {
    if (partition != null) {
      share.release(partition);
      sweeps.leave(partition);
      meters.released(partition);
      partition = null;
    }
    active.clear();
    watched.clear();
    needsQuery.clear();
    requestByTask.clear();
    ends.clear();
    tasks.clear();
    // The calls under way finish on their own threads (keeping the 3 s floor in RecentCalls);
    // their answers are dropped: a processor started again reads the tasks from the store.
    underWay.clear();
    calling.clear();
  }

  /** Tasks in the due index (in flight and watched), for tests and metrics. */
  int indexed() {
    return active.size() + watched.size();
  }

  @Override
  public void process(Record<String, TaskStatus> record) {
    TaskStatus status = record.value();
    String requestId = record.key();
    if (status == null || requestId == null) {
      return;
    }
    if (status.getState() == TaskState.SUBMITTED) {
      track(requestId, status);
    } else if (DONE_STATES.contains(status.getState())) {
      InFlightTask held = tasks.get(requestId);
      // Only an end of the same task ends tracking: a REJECTED for a reused request_id (no task)
      // does not stop the polling of the task that request_id created. A watched task has already
      // announced its TIMED_OUT: that announcement coming back does not end the watch.
      if (held != null
          && Objects.equals(held.getStatus().getTaskId(), status.getTaskId())
          && !(TaskTransitions.watched(held) && status.getState() == TaskState.TIMED_OUT)) {
        forget(requestId);
        log.debug(
            "stopped tracking requestId={} taskId={}: {} announced elsewhere",
            requestId,
            status.getTaskId(),
            status.getState());
      }
    }
  }

  private void track(String requestId, TaskStatus submitted) {
    if (submitted.getTaskId() == null || submitted.getApiKeyRef() == null) {
      log.warn(
          "ignoring SUBMITTED without task_id or api_key_ref requestId={} taskId={}",
          requestId,
          submitted.getTaskId());
      return;
    }
    InFlightTask held = tasks.get(requestId);
    if (held != null) {
      if (!Objects.equals(held.getStatus().getTaskId(), submitted.getTaskId())) {
        log.warn(
            "ignoring a second SUBMITTED requestId={} taskId={}: already tracking taskId={}",
            requestId,
            submitted.getTaskId(),
            held.getStatus().getTaskId());
      }
      return;
    }
    save(requestId, transitions.track(submitted));
    meters.tracked(submitted, clock.instant());
    log.debug("tracking requestId={} taskId={}", requestId, submitted.getTaskId());
  }

  /**
   * One punctuation: apply the answers that came in since the last, settle timeouts, call the
   * provider about due tasks (answered by the shared list sweeps where the account is in list
   * mode), then about watched tasks with what budget is left, and apply the answers that come in
   * within {@code poller.call-wait}.
   */
  void pollDue() {
    applyAnswered();
    Instant now = clock.instant();
    Map<String, Integer> inFlight = active.countsByAccount();
    meters.tracking(partition, inFlight);
    if (now.isBefore(callsFrom)) {
      return; // no call in the first 3 s of this processor (see init)
    }
    long nowMillis = now.toEpochMilli();
    sweeps.census(partition, inFlight);
    claimFinished(nowMillis);
    List<DueIndex.Entry> due = active.dueAt(nowMillis);
    Set<String> listAccounts = listAccounts(due, now);
    List<Pending> pending = new ArrayList<>();
    List<Candidate> waiting = new ArrayList<>();
    Set<String> exhausted = new HashSet<>();
    for (DueIndex.Entry e : due) {
      if (underWay.size() + pending.size() >= MAX_CALLS_UNDER_WAY) {
        break; // the rest stay due for the next punctuation
      }
      if (calling.contains(e.requestId())) {
        continue; // looked at again once its call's answer is applied
      }
      boolean listing = listAccounts.contains(e.account());
      if (!listing && exhausted.contains(e.account())) {
        continue; // no budget left for this account in this punctuation
      }
      InFlightTask task = tasks.get(e.requestId());
      if (task == null) {
        unindex(e.requestId());
        continue;
      }
      String requestId = e.requestId();
      task = noticeCancel(requestId, task, now);
      TimeoutDetector.Verdict verdict = transitions.timeouts().check(task, now);
      switch (verdict) {
        case TIME_OUT_RUNNING -> apply(requestId, task, transitions.timedOutRunning(task, now));
        case GIVE_UP -> apply(requestId, task, transitions.gaveUp(task, now));
        case CANCEL, QUERY, IN_TIME -> {
          boolean inTime = verdict == TimeoutDetector.Verdict.IN_TIME;
          // A task a list showed finished is queried at once, not when its poll falls due.
          boolean asked = needsQuery.contains(requestId);
          if (!PollScheduler.spacedEnough(task, now)
              || !calls.spacedEnough(task.getStatus().getTaskId(), now)
              || (inTime && !asked && !transitions.scheduler().isDue(task, now))) {
            continue;
          }
          if (inTime && !asked && listing) {
            Candidate c = new Candidate(requestId, task);
            if (!fromList(c)) {
              waiting.add(c);
            }
            if (!needsQuery.contains(requestId)) {
              continue;
            }
          }
          if (exhausted.contains(e.account())) {
            continue;
          }
          CallLimiter.Permit permit = budget.take(e.account(), now);
          if (permit == null) {
            exhausted.add(e.account());
            continue; // over this window's budget: due again at the next punctuation
          }
          String apiKeyRef = task.getStatus().getApiKeyRef();
          String taskId = task.getStatus().getTaskId();
          if (verdict == TimeoutDetector.Verdict.CANCEL) {
            pending.add(Pending.cancel(requestId, task, calls.cancel(apiKeyRef, taskId, permit)));
          } else {
            pending.add(
                Pending.query(requestId, task, calls.query(apiKeyRef, taskId, permit), false));
          }
        }
      }
    }
    if (!waiting.isEmpty()) {
      // List pages go after the individual queries; the tasks still waiting may be answered now.
      for (String account : listAccounts) {
        sweeps.advance(account, now);
      }
      for (Candidate c : waiting) {
        if (underWay.size() + pending.size() >= MAX_CALLS_UNDER_WAY) {
          break;
        }
        if (fromList(c) && needsQuery.contains(c.requestId)) {
          pending.addAll(queryAlone(c, now));
        }
      }
    }
    if (sweeps.watchesEnds()) {
      // Running tasks within their expected end window: a sweep shows their ends within a second.
      for (String account : ends.ask(now, a -> !listAccounts.contains(a) && endsSwept(a), sweeps)) {
        sweeps.advance(account, now);
      }
    }
    if (underWay.size() + pending.size() < MAX_CALLS_UNDER_WAY) {
      pending.addAll(watchDue(nowMillis, now));
    }
    for (Pending p : pending) {
      underWay.add(p);
      calling.add(p.requestId);
    }
    awaitCalls();
    applyAnswered();
  }

  /** Waits up to {@code poller.call-wait} for every call under way. */
  private void awaitCalls() {
    if (callWait.isZero() || underWay.isEmpty()) {
      return;
    }
    CompletableFuture<?>[] calls = new CompletableFuture<?>[underWay.size()];
    for (int i = 0; i < calls.length; i++) {
      calls[i] = underWay.get(i).future();
    }
    try {
      CompletableFuture.allOf(calls).get(callWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // the answers still out are applied by a later punctuation
    } catch (ExecutionException e) {
      // a call that failed this way fails again where its answer is applied
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Applies the answers of the calls under way that have come in, in the order the calls were
   * started. An answer about a task that changed since its call began (ended by an event from
   * elsewhere, or submitted anew) is dropped: the task as it is now decides its next call.
   */
  private void applyAnswered() {
    if (underWay.isEmpty()) {
      return;
    }
    List<Pending> answered = new ArrayList<>();
    underWay.removeIf(
        p -> {
          if (!p.future().isDone()) {
            return false;
          }
          answered.add(p);
          return true;
        });
    for (Pending p : answered) {
      calling.remove(p.requestId);
      if (tasks.get(p.requestId) != p.task) {
        log.debug(
            "dropping an answer about requestId={} taskId={}: the task changed while its call"
                + " was under way",
            p.requestId,
            p.task.getStatus().getTaskId());
      } else if (p.query != null) {
        applyQuery(p.requestId, p.task, p.query.join(), p.watch);
      } else {
        applyCancel(p.requestId, p.task, p.cancel.join());
      }
    }
  }

  /**
   * Marks {@code task} when a cancel command names it for the first time: it is then cancelled at
   * once while the provider has not been seen running it; a running task cannot be cancelled, which
   * is logged, and it goes on to finish (charged).
   */
  private InFlightTask noticeCancel(String requestId, InFlightTask task, Instant now) {
    if (task.getCancelRequestedAt() != null) {
      return task;
    }
    var command = cancels.naming(task.getStatus(), now);
    if (command.isEmpty()) {
      return task;
    }
    InFlightTask marked =
        transitions.cancelRequested(task, RequestCommands.describe(command.get()), now);
    save(requestId, marked);
    String status = task.getProviderStatus();
    if (status == null || "PENDING".equals(status)) {
      log.info(
          "cancelling at the provider requestId={} taskId={} commandId={}",
          requestId,
          task.getStatus().getTaskId(),
          command.get().getCommandId());
    } else {
      log.warn(
          "cannot cancel requestId={} taskId={} commandId={}: the provider has it {}, and a"
              + " running task cannot be cancelled; it finishes and is charged",
          requestId,
          task.getStatus().getTaskId(),
          command.get().getCommandId(),
          status);
    }
    return marked;
  }

  /**
   * Marks the tasks of this partition that a list showed finished after their last answer for a
   * query at once.
   */
  private void claimFinished(long nowMillis) {
    for (Map.Entry<String, Instant> f : sweeps.claimFinished(requestByTask.keySet()).entrySet()) {
      String requestId = requestByTask.get(f.getKey());
      InFlightTask task = requestId == null ? null : tasks.get(requestId);
      if (task == null || TaskTransitions.watched(task)) {
        continue;
      }
      Instant last = task.getLastPollAt();
      if (last == null || f.getValue().isAfter(last)) {
        needsQuery.add(requestId);
        String account = calls.accountOf(task.getStatus().getApiKeyRef());
        long at = TaskTransitions.dueAt(task).toEpochMilli();
        active.put(requestId, Math.min(at, nowMillis), account);
      }
    }
  }

  /** The accounts whose tracked tasks cannot each be polled within the list policy's horizon. */
  private Set<String> listAccounts(List<DueIndex.Entry> due, Instant now) {
    if (!listPolicy.enabled() || due.isEmpty()) {
      return Set.of();
    }
    Set<String> listing = new HashSet<>();
    Set<String> checked = new HashSet<>();
    for (DueIndex.Entry e : due) {
      String account = e.account();
      if (checked.add(account)
          && calls.listSupported(account)
          && listPolicy.listPays(sweeps.tracked(account), budget.callsPerSecond(account, now))) {
        listing.add(account);
      }
    }
    return listing;
  }

  /**
   * Answers {@code c} from the list sweeps: settles it when a list showed it unchanged since its
   * last answer, marks it for a query of its own when a list showed it finished or a complete sweep
   * missed it; false when the lists know nothing newer yet (a sweep has been asked for).
   */
  private boolean fromList(Candidate c) {
    InFlightTask task = c.task;
    ListSweeps.Lookup lookup =
        sweeps.lookup(
            ListGroup.of(task),
            task.getStatus().getTaskId(),
            submittedAt(task),
            task.getLastPollAt());
    if (lookup instanceof ListSweeps.Lookup.Wait) {
      return false;
    }
    if (lookup instanceof ListSweeps.Lookup.Answer a && a.seen().settles()) {
      ListSweeps.Seen seen = a.seen();
      apply(c.requestId, task, transitions.onAnswer(task, seen.snapshot(), seen.answeredAt()));
    } else {
      needsQuery.add(c.requestId); // a list showed it finished, or a complete sweep missed it
    }
    return true;
  }

  /** Queries {@code c} on its own now, if the budget allows. */
  private List<Pending> queryAlone(Candidate c, Instant now) {
    if (!calls.spacedEnough(c.task.getStatus().getTaskId(), now)) {
      return List.of();
    }
    String account = calls.accountOf(c.task.getStatus().getApiKeyRef());
    CallLimiter.Permit permit = budget.take(account, now);
    if (permit == null) {
      return List.of();
    }
    return List.of(
        Pending.query(
            c.requestId,
            c.task,
            calls.query(c.task.getStatus().getApiKeyRef(), c.task.getStatus().getTaskId(), permit),
            false));
  }

  /** Watched tasks that are due, with the budget the in-flight tasks left. */
  private List<Pending> watchDue(long nowMillis, Instant now) {
    List<Pending> pending = new ArrayList<>();
    Set<String> exhausted = new HashSet<>();
    for (DueIndex.Entry e : watched.dueAt(nowMillis)) {
      if (exhausted.contains(e.account()) || calling.contains(e.requestId())) {
        continue;
      }
      InFlightTask task = tasks.get(e.requestId());
      if (task == null) {
        unindex(e.requestId());
        continue;
      }
      if (TaskTransitions.watchExpired(task, now)) {
        log.debug(
            "late watch over requestId={} taskId={}: the provider has forgotten the task",
            e.requestId(),
            task.getStatus().getTaskId());
        forget(e.requestId());
        continue;
      }
      if (!transitions.scheduler().isDue(task, now)
          || !calls.spacedEnough(task.getStatus().getTaskId(), now)) {
        continue;
      }
      CallLimiter.Permit permit = budget.take(e.account(), now);
      if (permit == null) {
        exhausted.add(e.account());
        continue;
      }
      pending.add(
          Pending.query(
              e.requestId(),
              task,
              calls.query(task.getStatus().getApiKeyRef(), task.getStatus().getTaskId(), permit),
              true));
    }
    return pending;
  }

  private void applyQuery(
      String requestId,
      InFlightTask task,
      ProviderCalls.Result<TaskSnapshot> result,
      boolean watch) {
    needsQuery.remove(requestId);
    if (result.outcome() instanceof QueryOutcome.Answered<TaskSnapshot> answered) {
      transitions.forecast().learn(task.getStatus(), answered.value());
      TaskTransitions.Transition t =
          watch
              ? transitions.onWatchAnswer(task, answered.value(), result.completedAt())
              : transitions.onAnswer(task, answered.value(), result.completedAt());
      apply(requestId, task, t);
      if (!watch && !t.ended()) {
        watchEnd(requestId, task, answered.value());
      }
    } else {
      WanError error = ((QueryOutcome.Failed<TaskSnapshot>) result.outcome()).error();
      logFailure("query", requestId, task, error);
      slowDownOn(calls.accountOf(task.getStatus().getApiKeyRef()), error, result.completedAt());
      apply(
          requestId,
          task,
          watch
              ? transitions.onWatchFailed(task, result.completedAt())
              : transitions.onCallFailed(task, error, result.completedAt()));
    }
  }

  /**
   * Has the list sweeps look for the end of {@code task}, answered {@code snapshot}, from the start
   * of its expected end window, where its class is forecast and its account's ends are swept.
   */
  private void watchEnd(String requestId, InFlightTask task, TaskSnapshot snapshot) {
    // The forecast first: a map read, where the account's check takes the sweeps' lock.
    Optional<RunTimeForecast.Window> window =
        transitions.forecast().window(task.getStatus(), snapshot);
    if (window.isPresent() && endsSwept(calls.accountOf(task.getStatus().getApiKeyRef()))) {
      ends.watch(requestId, ListGroup.of(task), submittedAt(task), window.get().from());
    } else {
      ends.drop(requestId);
    }
  }

  /**
   * True when the list sweeps look for the ends of {@code account}'s running tasks: the account
   * offers the list query and the tasks this instance tracks for it fit in one page.
   */
  private boolean endsSwept(String account) {
    return sweeps.watchesEnds()
        && calls.listSupported(account)
        && sweeps.tracked(account) <= sweeps.pageSize();
  }

  private void applyCancel(
      String requestId, InFlightTask task, ProviderCalls.Result<Boolean> result) {
    if (result.outcome() instanceof QueryOutcome.Answered<Boolean> answered) {
      boolean cancelled = Boolean.TRUE.equals(answered.value());
      apply(requestId, task, transitions.onCancelAnswered(task, cancelled, result.completedAt()));
    } else {
      WanError error = ((QueryOutcome.Failed<Boolean>) result.outcome()).error();
      logFailure("cancel", requestId, task, error);
      slowDownOn(calls.accountOf(task.getStatus().getApiKeyRef()), error, result.completedAt());
      apply(requestId, task, transitions.onCancelFailed(task, error, result.completedAt()));
    }
  }

  /** A 429 or a provider failure (5xx) slows the whole account down; it never fails a task. */
  private void slowDownOn(String account, WanError error, Instant at) {
    if (error.throttled() || error.httpStatus() >= 500) {
      budget.slowDown(account, at, error.retryAfter());
      log.debug(
          "slowing down account={} code={} http={} factor={}",
          account,
          error.code(),
          error.httpStatus(),
          budget.slowDownFactor(account, at));
    }
  }

  private void apply(String requestId, InFlightTask before, TaskTransitions.Transition t) {
    if (t.emit() != null) {
      TaskStatus event = t.emit();
      context.forward(new Record<>(requestId, event, event.getEventTime().toEpochMilli()));
      meters.emitted(event, clock.instant());
      log.debug(
          "requestId={} taskId={} {} -> {}",
          requestId,
          event.getTaskId(),
          before.getStatus().getState(),
          event.getState());
    }
    if (t.ended()) {
      forget(requestId);
    } else if (t.pollTimesOnly()) {
      tasks.keepInMemory(requestId, t.next());
      index(requestId, t.next());
    } else {
      save(requestId, t.next());
    }
  }

  private void save(String requestId, InFlightTask task) {
    tasks.save(requestId, task);
    index(requestId, task);
  }

  private void forget(String requestId) {
    InFlightTask held = tasks.get(requestId);
    if (held != null) {
      requestByTask.remove(held.getStatus().getTaskId(), requestId);
    }
    tasks.delete(requestId);
    unindex(requestId);
  }

  private void index(String requestId, InFlightTask task) {
    requestByTask.put(task.getStatus().getTaskId(), requestId);
    String account = calls.accountOf(task.getStatus().getApiKeyRef());
    long at = TaskTransitions.dueAt(task).toEpochMilli();
    if (TaskTransitions.watched(task)) {
      active.remove(requestId);
      ends.drop(requestId); // a late watch is polled every few minutes: no end sweeps for it
      watched.put(requestId, at, account);
    } else {
      watched.remove(requestId);
      active.put(requestId, at, account);
    }
  }

  private void unindex(String requestId) {
    active.remove(requestId);
    watched.remove(requestId);
    needsQuery.remove(requestId);
    ends.drop(requestId);
  }

  private static Instant submittedAt(InFlightTask task) {
    return TaskTransitions.submittedAt(task.getStatus());
  }

  /** A retryable or throttled failure is expected (DEBUG); any other is an anomaly (WARN). */
  private static void logFailure(String call, String requestId, InFlightTask task, WanError e) {
    log.atLevel(e.retryable() || e.throttled() ? Level.DEBUG : Level.WARN)
        .log(
            "{} failed requestId={} taskId={} code={} http={}: {}",
            call,
            requestId,
            task.getStatus().getTaskId(),
            e.code(),
            e.httpStatus(),
            e.message());
  }

  private record Candidate(String requestId, InFlightTask task) {}

  private record Pending(
      String requestId,
      InFlightTask task,
      CompletableFuture<ProviderCalls.Result<TaskSnapshot>> query,
      CompletableFuture<ProviderCalls.Result<Boolean>> cancel,
      boolean watch) {
    CompletableFuture<?> future() {
      return query != null ? query : cancel;
    }

    static Pending query(
        String requestId,
        InFlightTask task,
        CompletableFuture<ProviderCalls.Result<TaskSnapshot>> query,
        boolean watch) {
      return new Pending(requestId, task, query, null, watch);
    }

    static Pending cancel(
        String requestId,
        InFlightTask task,
        CompletableFuture<ProviderCalls.Result<Boolean>> cancel) {
      return new Pending(requestId, task, null, cancel, false);
    }
  }
}
