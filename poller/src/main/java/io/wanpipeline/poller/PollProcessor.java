package io.wanpipeline.poller;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Tracks submitted tasks in a store and, on a wall-clock punctuation, calls the provider about the
 * tasks that are due: the calls run in parallel on the provider executor, the punctuation waits for
 * them, and every store access and emitted event stays on the stream thread.
 *
 * <p>Due tasks are found through an in-memory {@link DueIndex} rebuilt from the store in {@link
 * #init} and kept in step with every write, so a punctuation costs O(due tasks). When an account's
 * due per-task polls cannot fit in its budget ({@link ListPolicy}), its tasks are answered by list
 * calls and only the tasks whose state changed to SUCCEEDED or FAILED (or that the list did not
 * show) are queried one by one. Tasks that ended TIMED_OUT while RUNNING are watched last, with
 * whatever budget is left.
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

  /** Provider states a list entry settles without a full query (no usage, link or code needed). */
  private static final Set<ProviderStatus> SETTLED_BY_LIST =
      EnumSet.of(
          ProviderStatus.PENDING,
          ProviderStatus.RUNNING,
          ProviderStatus.SUSPENDED,
          ProviderStatus.CANCELED);

  /** Added on both sides of a list call's window of submission times. */
  static final Duration LIST_SLACK = Duration.ofMinutes(1);

  private static final int MAX_CALLS_PER_PUNCTUATION = PollerTopology.MAX_CALLS_PER_PUNCTUATION;

  private final String storeName;
  private final Duration punctuateInterval;
  private final Clock clock;
  private final TaskTransitions transitions;
  private final QueryBudget budget;
  private final ProviderCalls calls;
  private final PartitionShare share;
  private final ListPolicy listPolicy;
  private final DueIndex active = new DueIndex();
  private final DueIndex watched = new DueIndex();
  private final Set<String> needsQuery = new HashSet<>();

  /** request_id of every tracked task by task_id, so a list answer can settle tasks not yet due. */
  private final Map<String, String> requestByTask = new HashMap<>();

  /** Tasks with a call of their own in the current punctuation: a list answer leaves them alone. */
  private final Set<String> busy = new HashSet<>();

  private ProcessorContext<String, TaskStatus> context;
  private KeyValueStore<String, InFlightTask> store;
  private Integer partition;

  PollProcessor(
      String storeName,
      Duration punctuateInterval,
      Clock clock,
      TaskTransitions transitions,
      QueryBudget budget,
      ProviderCalls calls,
      PartitionShare share,
      ListPolicy listPolicy) {
    this.storeName = storeName;
    this.punctuateInterval = punctuateInterval;
    this.clock = clock;
    this.transitions = transitions;
    this.budget = budget;
    this.calls = calls;
    this.share = share;
    this.listPolicy = listPolicy;
  }

  @Override
  public void init(ProcessorContext<String, TaskStatus> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    // The store is restored before processors are initialised: rebuild the due index from it.
    active.clear();
    watched.clear();
    needsQuery.clear();
    requestByTask.clear();
    try (KeyValueIterator<String, InFlightTask> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, InFlightTask> kv = it.next();
        index(kv.key, kv.value);
      }
    }
    partition = context.taskId().partition();
    share.acquire(partition);
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
      partition = null;
    }
    active.clear();
    watched.clear();
    needsQuery.clear();
    requestByTask.clear();
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
      InFlightTask held = store.get(requestId);
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
    InFlightTask held = store.get(requestId);
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
    log.debug("tracking requestId={} taskId={}", requestId, submitted.getTaskId());
  }

  /**
   * One punctuation: settle timeouts, call the provider about due tasks (by list where that pays),
   * then about watched tasks with what budget is left, and apply the answers.
   */
  void pollDue() {
    Instant now = clock.instant();
    long nowMillis = now.toEpochMilli();
    List<DueIndex.Entry> due = active.dueAt(nowMillis);
    Set<String> listAccounts = listAccounts(due, now);
    List<Pending> pending = new ArrayList<>();
    Map<ListGroup, List<Candidate>> candidates = new LinkedHashMap<>();
    Set<String> exhausted = new HashSet<>();
    for (DueIndex.Entry e : due) {
      if (pending.size() >= MAX_CALLS_PER_PUNCTUATION) {
        break; // the rest stay due for the next punctuation
      }
      boolean listing = listAccounts.contains(e.account());
      if (!listing && exhausted.contains(e.account())) {
        continue; // no budget left for this account in this punctuation
      }
      InFlightTask task = store.get(e.requestId());
      if (task == null) {
        unindex(e.requestId());
        continue;
      }
      String requestId = e.requestId();
      TimeoutDetector.Verdict verdict = transitions.timeouts().check(task, now);
      switch (verdict) {
        case TIME_OUT_RUNNING -> apply(requestId, task, transitions.timedOutRunning(task, now));
        case GIVE_UP -> apply(requestId, task, transitions.gaveUp(task, now));
        case CANCEL, QUERY, IN_TIME -> {
          if (!PollScheduler.spacedEnough(task, now)
              || (verdict == TimeoutDetector.Verdict.IN_TIME
                  && !transitions.scheduler().isDue(task, now))) {
            continue;
          }
          if (verdict == TimeoutDetector.Verdict.IN_TIME
              && listing
              && !needsQuery.contains(requestId)) {
            candidates
                .computeIfAbsent(ListGroup.of(task), g -> new ArrayList<>())
                .add(new Candidate(requestId, task));
            continue;
          }
          QueryBudget.Permit permit = budget.take(e.account(), now);
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
    if (!candidates.isEmpty()) {
      busy.clear();
      pending.forEach(p -> busy.add(p.requestId));
      pending.addAll(pollByList(candidates, now));
    }
    if (pending.size() < MAX_CALLS_PER_PUNCTUATION) {
      pending.addAll(watchDue(nowMillis, now));
    }
    for (Pending p : pending) {
      if (p.query != null) {
        applyQuery(p.requestId, p.task, p.query.join(), p.watch);
      } else {
        applyCancel(p.requestId, p.task, p.cancel.join());
      }
    }
  }

  /** The accounts whose due per-task polls would not fit within the list policy's horizon. */
  private Set<String> listAccounts(List<DueIndex.Entry> due, Instant now) {
    if (!listPolicy.enabled() || due.size() < 2) {
      return Set.of();
    }
    Map<String, int[]> counts = new HashMap<>();
    Map<String, Long> oldest = new HashMap<>();
    for (DueIndex.Entry e : due) {
      counts.computeIfAbsent(e.account(), a -> new int[1])[0]++;
      oldest.putIfAbsent(e.account(), e.at()); // entries come earliest first
    }
    Set<String> listing = new HashSet<>();
    for (Map.Entry<String, int[]> c : counts.entrySet()) {
      String account = c.getKey();
      long elapsed = now.toEpochMilli() - oldest.get(account);
      if (calls.listSupported(account)
          && listPolicy.listPays(c.getValue()[0], budget.callsPerSecond(account, now), elapsed)) {
        listing.add(account);
      }
    }
    if (!listing.isEmpty()) {
      log.debug("list mode accounts={} due={}", listing, due.size());
    }
    return listing;
  }

  /**
   * Answers the candidates by list calls, one per (key, model, window of submission times) and
   * page; applies what the lists settle and returns the individual queries of tasks whose state
   * changed to one a list entry cannot settle.
   */
  private List<Pending> pollByList(Map<ListGroup, List<Candidate>> candidates, Instant now) {
    List<ListJob> jobs = new ArrayList<>();
    for (Map.Entry<ListGroup, List<Candidate>> g : candidates.entrySet()) {
      List<Candidate> sorted = new ArrayList<>(g.getValue());
      sorted.sort(Comparator.comparing(c -> submittedAt(c.task)));
      List<Candidate> chunk = new ArrayList<>();
      for (Candidate c : sorted) {
        if (!chunk.isEmpty()
            && Duration.between(submittedAt(chunk.get(0).task), submittedAt(c.task))
                    .compareTo(listPolicy.maxSpan())
                > 0) {
          jobs.add(new ListJob(g.getKey(), chunk));
          chunk = new ArrayList<>();
        }
        chunk.add(c);
      }
      if (!chunk.isEmpty()) {
        jobs.add(new ListJob(g.getKey(), chunk));
      }
    }
    // First pages, then the remaining pages of every list, as far as the budget goes.
    for (ListJob job : jobs) {
      QueryBudget.Permit permit = budget.take(job.group.account(), now);
      if (permit != null) {
        job.pages.add(calls.list(job.group.apiKeyRef(), job.query(1), permit));
      }
    }
    for (ListJob job : jobs) {
      if (job.pages.isEmpty()) {
        continue;
      }
      ProviderCalls.Result<TaskPage> first = job.pages.get(0).join();
      if (!job.accept(first)) {
        listFailed(job, first);
        continue;
      }
      TaskPage page = ((QueryOutcome.Answered<TaskPage>) first.outcome()).value();
      for (int n = 2; n <= page.totalPages(); n++) {
        QueryBudget.Permit permit = budget.take(job.group.account(), now);
        if (permit == null) {
          job.complete = false;
          break;
        }
        job.pages.add(calls.list(job.group.apiKeyRef(), job.query(n), permit));
      }
    }
    List<Pending> queries = new ArrayList<>();
    for (ListJob job : jobs) {
      if (job.pages.isEmpty() || !job.answered) {
        continue;
      }
      for (int i = 1; i < job.pages.size(); i++) {
        ProviderCalls.Result<TaskPage> r = job.pages.get(i).join();
        if (!job.accept(r)) {
          job.complete = false;
          listFailed(job, r);
        }
      }
      queries.addAll(applyList(job, now));
    }
    return queries;
  }

  private List<Pending> applyList(ListJob job, Instant now) {
    List<Pending> queries = new ArrayList<>();
    Map<String, Candidate> byTask = new HashMap<>();
    for (Candidate c : job.tasks) {
      byTask.put(c.task.getStatus().getTaskId(), c);
    }
    int settled = 0;
    for (TaskPage.Entry entry : job.entries) {
      Candidate c = byTask.remove(entry.taskId());
      if (c == null) {
        // A task of this partition that is not due yet is answered too: settle it now, so the
        // next punctuations do not list the same window again for it.
        c = notYetDue(entry.taskId());
        if (c == null) {
          continue; // another partition's task, or one this poller does not track
        }
        if (entry.status() == null || !SETTLED_BY_LIST.contains(entry.status())) {
          needsQuery.add(c.requestId); // finished: its next poll is a full query
          continue;
        }
      }
      if (entry.status() != null && SETTLED_BY_LIST.contains(entry.status())) {
        TaskSnapshot snapshot =
            new TaskSnapshot(
                entry.taskId(),
                entry.status(),
                entry.created(),
                entry.start(),
                entry.end(),
                null,
                null,
                null,
                null);
        apply(c.requestId, c.task, transitions.onAnswer(c.task, snapshot, job.answeredAt));
        settled++;
      } else {
        queries.addAll(queryAlone(c, now));
      }
    }
    if (job.complete) {
      // Not in a complete answer (another root account, a clock skew): query these one by one.
      for (Candidate c : byTask.values()) {
        queries.addAll(queryAlone(c, now));
      }
    }
    log.debug(
        "list answered account={} model={} tasks={} settled={} queried={} pages={}",
        job.group.account(),
        job.group.model(),
        job.tasks.size(),
        settled,
        queries.size(),
        job.pages.size());
    return queries;
  }

  /** The tracked, polled-by-list candidate of {@code taskId} that is not due yet, if any. */
  private Candidate notYetDue(String taskId) {
    String requestId = requestByTask.get(taskId);
    if (requestId == null || needsQuery.contains(requestId) || busy.contains(requestId)) {
      return null;
    }
    InFlightTask task = store.get(requestId);
    if (task == null
        || TaskTransitions.watched(task)
        || !taskId.equals(task.getStatus().getTaskId())) {
      return null;
    }
    return new Candidate(requestId, task);
  }

  /** Marks {@code c} for an individual query, made now if the budget allows. */
  private List<Pending> queryAlone(Candidate c, Instant now) {
    needsQuery.add(c.requestId);
    String account = calls.accountOf(c.task.getStatus().getApiKeyRef());
    QueryBudget.Permit permit = budget.take(account, now);
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

  private void listFailed(ListJob job, ProviderCalls.Result<TaskPage> result) {
    if (!(result.outcome() instanceof QueryOutcome.Failed<TaskPage> failed)) {
      return;
    }
    WanError error = failed.error();
    calls.listFailed(job.group.account(), error);
    if (!calls.listSupported(job.group.account())) {
      log.info(
          "account={} offers no list query ({}): its tasks stay on per-task polls",
          job.group.account(),
          error.code());
      return;
    }
    slowDownOn(job.group.account(), error, result.completedAt());
    log.atLevel(error.retryable() || error.throttled() ? Level.DEBUG : Level.WARN)
        .log(
            "list failed account={} model={} code={} http={}: {}",
            job.group.account(),
            job.group.model(),
            error.code(),
            error.httpStatus(),
            error.message());
  }

  /** Watched tasks that are due, with the budget the in-flight tasks left. */
  private List<Pending> watchDue(long nowMillis, Instant now) {
    List<Pending> pending = new ArrayList<>();
    Set<String> exhausted = new HashSet<>();
    for (DueIndex.Entry e : watched.dueAt(nowMillis)) {
      if (exhausted.contains(e.account())) {
        continue;
      }
      InFlightTask task = store.get(e.requestId());
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
      if (!transitions.scheduler().isDue(task, now)) {
        continue;
      }
      QueryBudget.Permit permit = budget.take(e.account(), now);
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
      TaskTransitions.Transition t =
          watch
              ? transitions.onWatchAnswer(task, answered.value(), result.completedAt())
              : transitions.onAnswer(task, answered.value(), result.completedAt());
      apply(requestId, task, t);
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
      log.debug(
          "requestId={} taskId={} {} -> {}",
          requestId,
          event.getTaskId(),
          before.getStatus().getState(),
          event.getState());
    }
    if (t.ended()) {
      forget(requestId);
    } else {
      save(requestId, t.next());
    }
  }

  private void save(String requestId, InFlightTask task) {
    store.put(requestId, task);
    index(requestId, task);
  }

  private void forget(String requestId) {
    InFlightTask held = store.get(requestId);
    if (held != null) {
      requestByTask.remove(held.getStatus().getTaskId(), requestId);
    }
    store.delete(requestId);
    unindex(requestId);
  }

  private void index(String requestId, InFlightTask task) {
    requestByTask.put(task.getStatus().getTaskId(), requestId);
    String account = calls.accountOf(task.getStatus().getApiKeyRef());
    long at = TaskTransitions.dueAt(task).toEpochMilli();
    if (TaskTransitions.watched(task)) {
      active.remove(requestId);
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
  }

  private static Instant submittedAt(InFlightTask task) {
    TaskStatus s = task.getStatus();
    return s.getSubmittedAt() != null ? s.getSubmittedAt() : s.getEventTime();
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

  /** Tasks one list call can answer: same key (so the same account), same model. */
  private record ListGroup(String apiKeyRef, String account, String model) {
    static ListGroup of(InFlightTask task) {
      String ref = task.getStatus().getApiKeyRef();
      int hash = ref.lastIndexOf('#');
      return new ListGroup(
          ref, hash < 0 ? ref : ref.substring(0, hash), task.getStatus().getModel());
    }
  }

  private record Candidate(String requestId, InFlightTask task) {}

  /** The list calls answering one chunk of candidates. */
  private final class ListJob {
    final ListGroup group;
    final List<Candidate> tasks;
    final Instant start;
    final Instant end;
    final List<CompletableFuture<ProviderCalls.Result<TaskPage>>> pages = new ArrayList<>();
    final List<TaskPage.Entry> entries = new ArrayList<>();
    boolean answered;
    boolean complete = true;
    Instant answeredAt;

    ListJob(ListGroup group, List<Candidate> tasks) {
      this.group = group;
      this.tasks = tasks;
      // submitted_at is the submitter's clock around the create call, not the provider's creation
      // time: widen the window so that the provider's time falls inside it.
      this.start = submittedAt(tasks.get(0).task).minus(LIST_SLACK).truncatedTo(ChronoUnit.SECONDS);
      this.end = submittedAt(tasks.get(tasks.size() - 1).task).plus(LIST_SLACK);
    }

    TaskListQuery query(int pageNo) {
      return new TaskListQuery(start, end, group.model(), null, pageNo, listPolicy.pageSize());
    }

    /** Takes the entries of an answered page; false when the call failed. */
    boolean accept(ProviderCalls.Result<TaskPage> result) {
      if (result.outcome() instanceof QueryOutcome.Answered<TaskPage> a) {
        entries.addAll(a.value().tasks());
        // The earliest answer time: a task seen unchanged is polled no later than this.
        if (answeredAt == null || result.completedAt().isBefore(answeredAt)) {
          answeredAt = result.completedAt();
        }
        answered = true;
        return true;
      }
      return false;
    }
  }

  private record Pending(
      String requestId,
      InFlightTask task,
      CompletableFuture<ProviderCalls.Result<TaskSnapshot>> query,
      CompletableFuture<ProviderCalls.Result<Boolean>> cancel,
      boolean watch) {
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
