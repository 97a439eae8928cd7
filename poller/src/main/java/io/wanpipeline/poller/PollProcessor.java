package io.wanpipeline.poller;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
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

  private final String storeName;
  private final Duration punctuateInterval;
  private final Clock clock;
  private final TaskTransitions transitions;
  private final QueryBudget budget;
  private final ProviderCalls calls;
  private ProcessorContext<String, TaskStatus> context;
  private KeyValueStore<String, InFlightTask> store;

  PollProcessor(
      String storeName,
      Duration punctuateInterval,
      Clock clock,
      TaskTransitions transitions,
      QueryBudget budget,
      ProviderCalls calls) {
    this.storeName = storeName;
    this.punctuateInterval = punctuateInterval;
    this.clock = clock;
    this.transitions = transitions;
    this.budget = budget;
    this.calls = calls;
  }

  @Override
  public void init(ProcessorContext<String, TaskStatus> context) {
    this.context = context;
    this.store = context.getStateStore(storeName);
    context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, timestamp -> pollDue());
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
      // does not stop the polling of the task that request_id created.
      if (held != null && Objects.equals(held.getStatus().getTaskId(), status.getTaskId())) {
        store.delete(requestId);
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
    store.put(requestId, transitions.track(submitted));
    log.debug("tracking requestId={} taskId={}", requestId, submitted.getTaskId());
  }

  /** One punctuation: settle timeouts, call the provider about due tasks, apply the answers. */
  void pollDue() {
    Instant now = clock.instant();
    List<KeyValue<String, InFlightTask>> due = new ArrayList<>();
    try (KeyValueIterator<String, InFlightTask> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, InFlightTask> kv = it.next();
        if (!now.isBefore(kv.value.getNextPollAt()) || !now.isBefore(kv.value.getDeadline())) {
          due.add(kv);
        }
      }
    }
    due.sort(Comparator.comparing(kv -> kv.value.getNextPollAt()));
    List<Pending> pending = new ArrayList<>();
    for (KeyValue<String, InFlightTask> kv : due) {
      InFlightTask task = kv.value;
      TimeoutDetector.Verdict verdict = transitions.timeouts().check(task, now);
      switch (verdict) {
        case TIME_OUT_RUNNING -> apply(kv.key, task, transitions.timedOutRunning(task, now));
        case GIVE_UP -> apply(kv.key, task, transitions.gaveUp(task, now));
        case CANCEL, QUERY, IN_TIME -> {
          if (!PollScheduler.spacedEnough(task, now)
              || (verdict == TimeoutDetector.Verdict.IN_TIME
                  && !transitions.scheduler().isDue(task, now))) {
            continue;
          }
          String apiKeyRef = task.getStatus().getApiKeyRef();
          if (!budget.tryAcquire(calls.accountOf(apiKeyRef), now)) {
            continue; // over this second's budget: due again at the next punctuation
          }
          String taskId = task.getStatus().getTaskId();
          if (verdict == TimeoutDetector.Verdict.CANCEL) {
            pending.add(new Pending(kv.key, task, null, calls.cancel(apiKeyRef, taskId)));
          } else {
            pending.add(new Pending(kv.key, task, calls.query(apiKeyRef, taskId), null));
          }
        }
      }
    }
    for (Pending p : pending) {
      if (p.query != null) {
        applyQuery(p.requestId, p.task, p.query.join());
      } else {
        applyCancel(p.requestId, p.task, p.cancel.join());
      }
    }
  }

  private void applyQuery(
      String requestId, InFlightTask task, ProviderCalls.Result<TaskSnapshot> result) {
    if (result.outcome() instanceof QueryOutcome.Answered<TaskSnapshot> answered) {
      apply(requestId, task, transitions.onAnswer(task, answered.value(), result.completedAt()));
    } else {
      WanError error = ((QueryOutcome.Failed<TaskSnapshot>) result.outcome()).error();
      logFailure("query", requestId, task, error);
      apply(requestId, task, transitions.onCallFailed(task, error, result.completedAt()));
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
      apply(requestId, task, transitions.onCancelFailed(task, error, result.completedAt()));
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
      store.delete(requestId);
    } else {
      store.put(requestId, t.next());
    }
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

  private record Pending(
      String requestId,
      InFlightTask task,
      CompletableFuture<ProviderCalls.Result<TaskSnapshot>> query,
      CompletableFuture<ProviderCalls.Result<Boolean>> cancel) {}
}
