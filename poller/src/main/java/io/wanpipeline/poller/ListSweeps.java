package io.wanpipeline.poller;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.rate.CallLimiter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The list calls of one poller instance, shared by all its poll processors (every partition, every
 * stream thread), so that a page of an account's tasks is fetched once however many partitions hold
 * tasks on it.
 *
 * <p>A task due for a poll while its account is in list mode is answered by the newest list entry
 * about it ({@link #lookup}); when there is none newer than its last answer, it asks for a sweep of
 * its {@link ListGroup}. A sweep lists every page of the group's window of submission times (from
 * the earliest task that asked, to now) and starts at most once per {@code interval} (the shortest
 * poll interval), so that each task is answered about once per interval at a cost of one call per
 * page. Pages are fetched as far as the budget goes, after the individual queries of the
 * punctuation; a sweep the budget cannot finish in one punctuation goes on where it stopped in the
 * next one, whichever processor runs it. Entries that show a task finished (or failed, or unknown)
 * are kept apart ({@link #claimFinished}) so that the processor tracking the task queries it at its
 * next punctuation rather than when its poll falls due. A task that a complete sweep started after
 * its last answer did not show is queried on its own ({@link Lookup.Absent}).
 *
 * <p>Outside list mode, a running task within its expected end window ({@link EndWatches}) asks for
 * a sweep of its group every {@code endInterval} (about a second, {@code
 * poller.end-sweep-interval}) through {@link #watchEnds}: the provider shows the end in the list
 * within a second, and the task is then queried for its result as soon as the 3 s floor since its
 * last poll allows, instead of at its next poll 5-10 s after the last one.
 *
 * <p>Thread-safe: bookkeeping is guarded by this object; a sweep is advanced by one thread at a
 * time, outside the lock, while its calls run.
 *
 * <p>Over 400 lines: the sweep bookkeeping and the lock that guards it are read together; split,
 * the lock would span classes.
 */
final class ListSweeps {
  private static final Logger log = LoggerFactory.getLogger(ListSweeps.class);

  /** Added on both sides of a sweep's window of submission times (clock skew, provider time). */
  static final Duration LIST_SLACK = Duration.ofMinutes(1);

  /** A task submitted later than this before a sweep started may be missing from its answer. */
  static final Duration ABSENCE_GRACE = Duration.ofSeconds(10);

  /** List entries and finished marks older than this are of no use and are dropped. */
  static final Duration KEEP = Duration.ofMinutes(1);

  /** A sweep that has not finished this long after it started is dropped and started again. */
  static final Duration ABANDON_AFTER = Duration.ofMinutes(1);

  /** The widest window the provider accepts in one list call. */
  static final Duration PROVIDER_MAX_RANGE = Duration.ofHours(24);

  /** Fetch rounds one punctuation makes at most (a round waits for the one before it). */
  private static final int MAX_ROUNDS = 4;

  /** Provider states a list entry settles without a full query (no usage, link or code needed). */
  static final Set<ProviderStatus> SETTLED_BY_LIST =
      EnumSet.of(
          ProviderStatus.PENDING,
          ProviderStatus.RUNNING,
          ProviderStatus.SUSPENDED,
          ProviderStatus.CANCELED);

  private final QueryBudget budget;
  private final ProviderCalls calls;
  private final ListPolicy policy;
  private final Duration interval;
  private final Duration endInterval;

  private final Map<ListGroup, GroupState> groups = new HashMap<>();
  private final Map<Integer, Map<String, Integer>> census = new HashMap<>();
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  private final Map<String, Instant> finished = new ConcurrentHashMap<>();

  /**
   * @param budget the instance's query budget, which every page takes a call from
   * @param calls the provider calls
   * @param policy the page size and widest window of a list call
   * @param interval the shortest time between two sweeps of a group (the shortest poll interval)
   * @param endInterval the shortest time between two sweeps of a group asked for by {@link
   *     #watchEnds}; zero: ends are not watched
   */
  ListSweeps(
      QueryBudget budget,
      ProviderCalls calls,
      ListPolicy policy,
      Duration interval,
      Duration endInterval) {
    this.budget = Objects.requireNonNull(budget, "budget");
    this.calls = Objects.requireNonNull(calls, "calls");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.interval = Objects.requireNonNull(interval, "interval");
    this.endInterval = Objects.requireNonNull(endInterval, "endInterval");
  }

  /** True when the sweeps look for the ends of running tasks ({@link #watchEnds}). */
  boolean watchesEnds() {
    return !endInterval.isZero();
  }

  /** The page size of a list call: a sweep of at most this many tasks takes one call per window. */
  int pageSize() {
    return policy.pageSize();
  }

  /**
   * Asks for a sweep of {@code group} within {@code endInterval} of the last one, to see the end of
   * its task submitted at {@code submittedAt} as soon as the provider shows it: a task the sweep
   * shows finished is marked for a query of its own ({@link #claimFinished}). Ignored when ends are
   * not watched.
   */
  synchronized void watchEnds(ListGroup group, Instant submittedAt) {
    if (!watchesEnds()) {
      return;
    }
    GroupState g = groups.computeIfAbsent(group, k -> new GroupState());
    if (g.requestedFrom == null || submittedAt.isBefore(g.requestedFrom)) {
      g.requestedFrom = submittedAt;
    }
    g.endsWatched = true;
  }

  /** A task as a list page showed it, and when the page was answered. */
  record Seen(TaskPage.Entry entry, Instant answeredAt) {
    /** True when the entry settles the task's poll without a full query. */
    boolean settles() {
      return entry.status() != null && SETTLED_BY_LIST.contains(entry.status());
    }

    /** The entry as a query answer (no usage, link or error: only for {@link #settles()}). */
    TaskSnapshot snapshot() {
      return new TaskSnapshot(
          entry.taskId(),
          entry.status(),
          entry.created(),
          entry.start(),
          entry.end(),
          null,
          null,
          null,
          null);
    }
  }

  /** What the lists know about a due task. */
  sealed interface Lookup {
    /** A list answered about the task after its last answer. */
    record Answer(Seen seen) implements Lookup {}

    /** A complete sweep started after its last answer did not show it: query it on its own. */
    record Absent() implements Lookup {}

    /** Nothing yet: a sweep has been asked for. */
    record Wait() implements Lookup {}
  }

  /** Counts of tracked (not watched) tasks by account of one partition, replacing its last ones. */
  synchronized void census(int partition, Map<String, Integer> tracked) {
    census.put(partition, tracked);
  }

  /** Forgets a partition's census when its processor closes. */
  synchronized void leave(int partition) {
    census.remove(partition);
  }

  /** Tasks of {@code account} this instance tracks, by the last census of each partition. */
  synchronized int tracked(String account) {
    int n = 0;
    for (Map<String, Integer> c : census.values()) {
      n += c.getOrDefault(account, 0);
    }
    return n;
  }

  /**
   * What the lists know about the task {@code taskId} of {@code group}, submitted at {@code
   * submittedAt} and last answered at {@code lastAnswer} (null: never); asks for a sweep when they
   * know nothing newer.
   */
  Lookup lookup(ListGroup group, String taskId, Instant submittedAt, Instant lastAnswer) {
    Seen s = seen.get(taskId);
    if (s != null && (lastAnswer == null || s.answeredAt().isAfter(lastAnswer))) {
      return new Lookup.Answer(s);
    }
    synchronized (this) {
      GroupState g = groups.computeIfAbsent(group, k -> new GroupState());
      Covered c = g.lastComplete;
      if (c != null
          && !submittedAt.isBefore(c.start)
          && !submittedAt.isAfter(c.end)
          && !submittedAt.plus(ABSENCE_GRACE).isAfter(c.startedAt)
          && (lastAnswer == null || c.startedAt.isAfter(lastAnswer))) {
        return new Lookup.Absent();
      }
      if (g.requestedFrom == null || submittedAt.isBefore(g.requestedFrom)) {
        g.requestedFrom = submittedAt;
      }
      return new Lookup.Wait();
    }
  }

  /**
   * Takes the finished marks of the tasks in {@code tracked} (task ids): each with the time the
   * list that showed it finished was answered. Marks nobody claims expire after {@link #KEEP}.
   */
  Map<String, Instant> claimFinished(Set<String> tracked) {
    if (finished.isEmpty()) {
      return Map.of();
    }
    Map<String, Instant> claimed = new HashMap<>();
    for (Map.Entry<String, Instant> e : finished.entrySet()) {
      if (tracked.contains(e.getKey()) && finished.remove(e.getKey(), e.getValue())) {
        claimed.put(e.getKey(), e.getValue());
      }
    }
    return claimed;
  }

  /**
   * Advances the sweeps of {@code account}'s groups: starts those asked for whose interval has
   * passed, and fetches their next pages as far as the budget goes, waiting for the answers.
   */
  void advance(String account, Instant now) {
    List<Sweep> mine = claim(account, now);
    if (mine.isEmpty()) {
      return;
    }
    try {
      for (int round = 0; round < MAX_ROUNDS; round++) {
        List<Fetch> fetches = new ArrayList<>();
        for (Sweep s : mine) {
          fetches.addAll(s.launch(now));
        }
        if (fetches.isEmpty()) {
          break;
        }
        for (Fetch f : fetches) {
          f.sweep.take(f, f.future.join());
        }
      }
    } finally {
      release(account, mine);
    }
  }

  private synchronized List<Sweep> claim(String account, Instant now) {
    List<Sweep> mine = new ArrayList<>();
    for (Map.Entry<ListGroup, GroupState> e : groups.entrySet()) {
      ListGroup group = e.getKey();
      GroupState g = e.getValue();
      if (!group.account().equals(account)) {
        continue;
      }
      if (g.sweep != null
          && !g.sweep.busy
          && Duration.between(g.sweep.startedAt, now).compareTo(ABANDON_AFTER) > 0) {
        log.debug("abandoning a sweep of {} started at {}", group, g.sweep.startedAt);
        g.sweep = null;
      }
      Duration every = g.endsWatched ? endInterval : interval;
      if (g.sweep == null
          && g.requestedFrom != null
          && (g.lastStart == null || !now.isBefore(g.lastStart.plus(every)))) {
        g.sweep = new Sweep(group, windows(g.requestedFrom, now), now);
        g.requestedFrom = null;
        g.endsWatched = false;
        g.lastStart = now;
        prune(now);
      }
      if (g.sweep != null && !g.sweep.busy) {
        g.sweep.busy = true;
        g.sweep.stopped = false;
        mine.add(g.sweep);
      }
    }
    return mine;
  }

  private synchronized void release(String account, List<Sweep> mine) {
    for (Sweep s : mine) {
      s.busy = false;
      GroupState g = groups.get(s.group);
      if (g == null || g.sweep != s) {
        continue; // the account's sweeps were dropped meanwhile
      }
      if (s.done()) {
        Window first = s.windows.get(0);
        Window last = s.windows.get(s.windows.size() - 1);
        g.lastComplete = new Covered(first.start, last.end, s.startedAt);
        g.sweep = null;
        log.debug("swept {} in {} pages from {}", s.group, s.pagesAnswered, s.startedAt);
      }
    }
    if (!calls.listSupported(account)) {
      groups.keySet().removeIf(k -> k.account().equals(account));
    }
  }

  /** The windows of one sweep: from the earliest task asking, less the slack, to now plus it. */
  private List<Window> windows(Instant requestedFrom, Instant now) {
    Instant end = now.plus(LIST_SLACK);
    Instant start = requestedFrom.minus(LIST_SLACK).truncatedTo(ChronoUnit.SECONDS);
    if (start.isBefore(end.minus(PROVIDER_MAX_RANGE))) {
      start = end.minus(PROVIDER_MAX_RANGE);
    }
    List<Window> windows = new ArrayList<>();
    Instant from = start;
    while (true) {
      Instant to = from.plus(policy.maxSpan());
      if (!to.isBefore(end)) {
        windows.add(new Window(from, end));
        return windows;
      }
      windows.add(new Window(from, to));
      from = to;
    }
  }

  private void prune(Instant now) {
    Instant oldest = now.minus(KEEP);
    seen.values().removeIf(s -> s.answeredAt().isBefore(oldest));
    finished.values().removeIf(at -> at.isBefore(oldest));
  }

  private void record(TaskPage page, Instant answeredAt) {
    for (TaskPage.Entry entry : page.tasks()) {
      Seen s = new Seen(entry, answeredAt);
      seen.merge(entry.taskId(), s, (a, b) -> b.answeredAt().isAfter(a.answeredAt()) ? b : a);
      if (!s.settles()) {
        finished.merge(entry.taskId(), answeredAt, (a, b) -> b.isAfter(a) ? b : a);
      }
    }
  }

  private void failed(ListGroup group, WanError error, Instant at) {
    calls.listFailed(group.account(), error);
    if (!calls.listSupported(group.account())) {
      log.info(
          "account={} offers no list query ({}): its tasks stay on per-task polls",
          group.account(),
          error.code());
      return;
    }
    if (error.throttled() || error.httpStatus() >= 500) {
      budget.slowDown(group.account(), at, error.retryAfter());
    }
    log.atLevel(error.retryable() || error.throttled() ? Level.DEBUG : Level.WARN)
        .log(
            "list failed account={} model={} code={} http={}: {}",
            group.account(),
            group.model(),
            error.code(),
            error.httpStatus(),
            error.message());
  }

  private record Window(Instant start, Instant end) {}

  /** The window a complete sweep covered and when it started. */
  private record Covered(Instant start, Instant end, Instant startedAt) {}

  /** What this instance knows of one group's sweeps. Guarded by the enclosing instance. */
  private static final class GroupState {
    Instant requestedFrom;
    boolean endsWatched;
    Instant lastStart;
    Sweep sweep;
    Covered lastComplete;
  }

  private record Fetch(
      Sweep sweep,
      int window,
      int page,
      CompletableFuture<ProviderCalls.Result<TaskPage>> future) {}

  /**
   * One pass over every page of a group's windows. Its cursor moves only on answered pages, so a
   * failed page is asked again by the next punctuation.
   */
  private final class Sweep {
    final ListGroup group;
    final List<Window> windows;
    final Instant startedAt;
    boolean busy;
    int window;
    int nextPage = 1;
    int totalPages = -1;
    boolean stopped;
    int pagesAnswered;

    Sweep(ListGroup group, List<Window> windows, Instant startedAt) {
      this.group = group;
      this.windows = windows;
      this.startedAt = startedAt;
    }

    boolean done() {
      return window >= windows.size();
    }

    /** The next pages whose calls fit in the budget: page 1 alone while the total is unknown. */
    List<Fetch> launch(Instant now) {
      if (done() || stopped) {
        return List.of();
      }
      int last = totalPages < 0 ? nextPage : totalPages;
      Window w = windows.get(window);
      List<Fetch> fetches = new ArrayList<>();
      for (int page = nextPage; page <= last; page++) {
        CallLimiter.Permit permit = budget.take(group.account(), now);
        if (permit == null) {
          stopped = true; // no budget left in this punctuation
          break;
        }
        TaskListQuery query =
            new TaskListQuery(w.start, w.end, group.model(), null, page, policy.pageSize());
        fetches.add(new Fetch(this, window, page, calls.list(group.apiKeyRef(), query, permit)));
      }
      return fetches;
    }

    /**
     * Takes the answer to one fetched page; the pages of a round are taken in the order they were
     * launched, and every one of them before the next round is launched.
     */
    void take(Fetch f, ProviderCalls.Result<TaskPage> result) {
      if (f.window != window) {
        return;
      }
      if (!(result.outcome() instanceof QueryOutcome.Answered<TaskPage> answered)) {
        if (result.outcome() instanceof QueryOutcome.Failed<TaskPage> failure) {
          failed(group, failure.error(), result.completedAt());
        }
        stopped = true; // the cursor stays on this page: the next punctuation asks it again
        return;
      }
      TaskPage page = answered.value();
      record(page, result.completedAt());
      pagesAnswered++;
      totalPages = Math.max(totalPages, page.totalPages());
      if (f.page == nextPage) {
        nextPage++; // a page answered after a failed one does not move the cursor past it
      }
      if (nextPage > totalPages) {
        window++;
        nextPage = 1;
        totalPages = -1;
      }
    }
  }
}
