package io.wanpipeline.poller;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.Usage;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.TaskUsage;
import io.wanpipeline.wan.WanError;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * Decides, for one in-flight task, what an answer (or a failed call, or the clock) changes: the
 * status event to emit, if the state changed, and the task's next schedule, or none when it ended.
 * Pure: no Kafka, no I/O.
 *
 * <p>Over 400 lines: every transition of a task's life and the event it emits, in one place so the
 * lifecycle reads top to bottom.
 *
 * @param scheduler when the next call is due
 * @param timeouts the deadline and its handling
 * @param unknownThreshold consecutive UNKNOWN answers after which the task ends UNKNOWN
 * @param lateWatchInterval how often a task that ended TIMED_OUT while RUNNING is polled, to
 *     announce a late success, until the provider forgets it
 * @param forecast where a running task's end is expected, to aim its polls at (read only: the poll
 *     processor teaches it)
 */
public record TaskTransitions(
    PollScheduler scheduler,
    TimeoutDetector timeouts,
    int unknownThreshold,
    Duration lateWatchInterval,
    RunTimeForecast forecast) {
  /** Error code of TIMED_OUT. */
  public static final String TIMEOUT = "TIMEOUT";

  /** Error code of UNKNOWN. */
  public static final String TASK_UNKNOWN = "TASK_UNKNOWN";

  /** Error code of a CANCELED the poller caused: a cancel command, answered by the provider. */
  public static final String CANCELED_AT_PROVIDER = "CANCELED_AT_PROVIDER";

  /** How long the provider keeps a task after its submission (docs/protocol.md): the late watch. */
  public static final Duration PROVIDER_RETENTION = Duration.ofHours(24);

  /** Default of {@link #lateWatchInterval()}. */
  public static final Duration DEFAULT_LATE_WATCH_INTERVAL = Duration.ofMinutes(5);

  public TaskTransitions {
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(lateWatchInterval, "lateWatchInterval");
    Objects.requireNonNull(forecast, "forecast");
    if (unknownThreshold < 1) {
      throw new IllegalArgumentException("unknown threshold must be at least 1");
    }
    if (lateWatchInterval.compareTo(PollScheduler.MIN_SPACING) < 0) {
      throw new IllegalArgumentException(
          "late watch interval " + lateWatchInterval + " is below the 3 s floor between polls");
    }
  }

  /** Transitions without a forecast: polls fall at random points of the interval. */
  public TaskTransitions(
      PollScheduler scheduler,
      TimeoutDetector timeouts,
      int unknownThreshold,
      Duration lateWatchInterval) {
    this(scheduler, timeouts, unknownThreshold, lateWatchInterval, RunTimeForecast.none());
  }

  /** Transitions with the {@link #DEFAULT_LATE_WATCH_INTERVAL}, without a forecast. */
  public TaskTransitions(PollScheduler scheduler, TimeoutDetector timeouts, int unknownThreshold) {
    this(scheduler, timeouts, unknownThreshold, DEFAULT_LATE_WATCH_INTERVAL);
  }

  /** True when {@code task} ended TIMED_OUT while RUNNING and is watched for a late success. */
  public static boolean watched(InFlightTask task) {
    return task.getWatchUntil() != null;
  }

  /**
   * When {@code task} next needs attention: its next poll, or its deadline when earlier (a watched
   * task: its next poll, or the end of the watch when earlier).
   */
  public static Instant dueAt(InFlightTask task) {
    Instant next = task.getNextPollAt();
    Instant limit = watched(task) ? task.getWatchUntil() : task.getDeadline();
    return limit.isBefore(next) ? limit : next;
  }

  /**
   * The result of a decision.
   *
   * @param emit the status event to publish, or null when the state did not change
   * @param next the task's new schedule, or null when the task ended (remove it)
   * @param pollTimesOnly true when {@code next} differs from the task only in its poll times (an
   *     answer that changed nothing else): the processor keeps them in memory instead of writing
   *     the store, whose copy of the task then holds older poll times (see {@code LatestTasks})
   */
  public record Transition(TaskStatus emit, InFlightTask next, boolean pollTimesOnly) {
    public Transition {
      if (pollTimesOnly && (emit != null || next == null)) {
        throw new IllegalArgumentException("a change of poll times only neither emits nor ends");
      }
    }

    /** A transition that changes more than the poll times, or ends the task. */
    public Transition(TaskStatus emit, InFlightTask next) {
      this(emit, next, false);
    }

    /** True when the task ended. */
    public boolean ended() {
      return next == null;
    }
  }

  /** The schedule of a task just announced SUBMITTED. */
  public InFlightTask track(TaskStatus submitted) {
    Instant submittedAt = submittedAt(submitted);
    return InFlightTask.newBuilder()
        .setStatus(submitted)
        .setProviderStatus(null)
        .setNextPollAt(millis(scheduler.firstPoll(submittedAt)))
        .setLastPollAt(null)
        .setDeadline(millis(timeouts.deadline(submittedAt)))
        .setConsecutiveUnknown(0)
        .setConsecutiveFailures(0)
        .setWatchUntil(null)
        .build();
  }

  /** The provider answered a query about the task at {@code answeredAt}. */
  public Transition onAnswer(InFlightTask task, TaskSnapshot snapshot, Instant answeredAt) {
    ProviderStatus status = snapshot.status();
    Instant lastPollAt = ceilMillis(answeredAt);
    Instant nextPollAt =
        millis(
            scheduler.afterAnswer(
                answeredAt, forecast.window(task.getStatus(), snapshot).orElse(null)));
    if (unchangedBut(task, status)) {
      return new Transition(null, withPollTimes(task, lastPollAt, nextPollAt), true);
    }
    InFlightTask.Builder next =
        InFlightTask.newBuilder(task)
            .setLastPollAt(lastPollAt)
            .setConsecutiveFailures(0)
            .setNextPollAt(nextPollAt);
    if (status == ProviderStatus.UNKNOWN) {
      int unknown = task.getConsecutiveUnknown() + 1;
      if (unknown >= unknownThreshold) {
        ErrorInfo error =
            error(
                TASK_UNKNOWN,
                "the provider answered UNKNOWN "
                    + unknown
                    + " times in a row: the task does not exist for this key or is older than 24 h",
                ErrorStage.POLL);
        return ended(event(task, TaskState.UNKNOWN, answeredAt).setError(error).build());
      }
      return new Transition(null, next.setConsecutiveUnknown(unknown).build());
    }
    next.setConsecutiveUnknown(0).setProviderStatus(status.name());
    Instant end = snapshot.endTime() == null ? null : millis(snapshot.endTime());
    switch (status) {
      case SUCCEEDED:
        return ended(
            event(task, TaskState.SUCCEEDED, answeredAt)
                .setProviderEndTime(end)
                .setUsage(usage(snapshot.usage()))
                .setResultUrl(snapshot.videoUrl() == null ? null : snapshot.videoUrl().redacted())
                .setResultExpiresAt(linkExpiry(snapshot))
                .build());
      case FAILED:
        return ended(
            event(task, TaskState.FAILED, answeredAt)
                .setProviderEndTime(end)
                .setError(executionError(snapshot))
                .build());
      case CANCELED:
        return ended(event(task, TaskState.CANCELED, answeredAt).setProviderEndTime(end).build());
      case PENDING:
      case RUNNING:
        TaskState state = status == ProviderStatus.PENDING ? TaskState.PENDING : TaskState.RUNNING;
        if (state == task.getStatus().getState()) {
          return new Transition(null, next.build());
        }
        TaskStatus changed = event(task, state, answeredAt).build();
        return new Transition(changed, next.setStatus(changed).build());
      default:
        // SUSPENDED: not terminal and no state of ours; keep polling without an event.
        return new Transition(null, next.build());
    }
  }

  /** A query or cancel call about the task failed at {@code failedAt}; the task is unaffected. */
  public Transition onCallFailed(InFlightTask task, WanError error, Instant failedAt) {
    int failures = task.getConsecutiveFailures() + 1;
    return new Transition(
        null,
        InFlightTask.newBuilder(task)
            .setLastPollAt(ceilMillis(failedAt))
            .setConsecutiveFailures(failures)
            .setNextPollAt(millis(scheduler.afterFailure(failedAt, failures, error.retryAfter())))
            .build());
  }

  /**
   * A cancel command names {@code task}, seen at {@code at}: while the task is not seen running it
   * is cancelled at its next call ({@link TimeoutDetector#check}), which is due now.
   *
   * @param command the command's description, for the CANCELED event
   */
  public InFlightTask cancelRequested(InFlightTask task, String command, Instant at) {
    Instant next = task.getNextPollAt().isAfter(at) ? millis(at) : task.getNextPollAt();
    return InFlightTask.newBuilder(task)
        .setCancelRequestedAt(millis(at))
        .setCancelCommand(command)
        .setNextPollAt(next)
        .build();
  }

  /**
   * The provider answered a cancel call: {@code cancelled} true when the task was cancelled. A task
   * cancelled on command ends CANCELED; one cancelled at its deadline ends TIMED_OUT. Either way it
   * was still PENDING, so it is not charged.
   */
  public Transition onCancelAnswered(InFlightTask task, boolean cancelled, Instant answeredAt) {
    if (cancelled && task.getCancelRequestedAt() != null) {
      return ended(
          event(task, TaskState.CANCELED, answeredAt)
              .setError(
                  ErrorInfo.newBuilder()
                      .setCode(CANCELED_AT_PROVIDER)
                      .setMessage(
                          "cancelled at the provider while PENDING ("
                              + task.getCancelCommand()
                              + "); not charged")
                      .setRetryable(false)
                      .setStage(ErrorStage.EXECUTION)
                      .setField(null)
                      .build())
              .build());
    }
    if (cancelled) {
      return ended(
          event(task, TaskState.TIMED_OUT, answeredAt)
              .setError(
                  error(
                      TIMEOUT,
                      "still PENDING "
                          + human(timeouts.timeout())
                          + " after submission; cancelled at the provider, not charged",
                      ErrorStage.EXECUTION))
              .build());
    }
    return cancelRefused(task, answeredAt);
  }

  /** A cancel call failed; a non-retryable failure means the task is no longer PENDING. */
  public Transition onCancelFailed(InFlightTask task, WanError error, Instant failedAt) {
    if (error.retryable()) {
      return onCallFailed(task, error, failedAt);
    }
    return cancelRefused(task, failedAt);
  }

  /**
   * The task is RUNNING past its deadline: it ends TIMED_OUT (announced now) and stays under a slow
   * watch until the provider forgets it ({@link #PROVIDER_RETENTION} after submission), so that a
   * late success is announced as LATE_SUCCEEDED.
   */
  public Transition timedOutRunning(InFlightTask task, Instant now) {
    TaskStatus timedOut =
        event(task, TaskState.TIMED_OUT, now)
            .setError(
                error(
                    TIMEOUT,
                    "still RUNNING "
                        + human(timeouts.timeout())
                        + " after submission; a running task cannot be cancelled and the provider"
                        + " may still finish and charge it (then announced LATE_SUCCEEDED)",
                    ErrorStage.EXECUTION))
            .build();
    Instant watchUntil = millis(submittedAt(task.getStatus()).plus(PROVIDER_RETENTION));
    if (!now.isBefore(watchUntil)) {
      return ended(timedOut);
    }
    return new Transition(
        timedOut,
        InFlightTask.newBuilder(task)
            .setStatus(timedOut)
            .setConsecutiveUnknown(0)
            .setConsecutiveFailures(0)
            .setWatchUntil(watchUntil)
            .setNextPollAt(millis(watchPoll(task, now)))
            .build());
  }

  /**
   * The provider answered a query about a watched task: a success is announced LATE_SUCCEEDED;
   * FAILED, CANCELED or UNKNOWN ({@link #unknownThreshold()} times in a row) end the watch without
   * an event (the request already ended TIMED_OUT); anything else keeps watching.
   */
  public Transition onWatchAnswer(InFlightTask task, TaskSnapshot snapshot, Instant answeredAt) {
    ProviderStatus status = snapshot.status();
    InFlightTask.Builder next =
        InFlightTask.newBuilder(task)
            .setLastPollAt(ceilMillis(answeredAt))
            .setConsecutiveFailures(0)
            .setNextPollAt(millis(answeredAt.plus(lateWatchInterval)));
    switch (status) {
      case SUCCEEDED:
        return ended(
            event(task, TaskState.LATE_SUCCEEDED, answeredAt)
                .setProviderEndTime(snapshot.endTime() == null ? null : millis(snapshot.endTime()))
                .setUsage(usage(snapshot.usage()))
                .setResultUrl(snapshot.videoUrl() == null ? null : snapshot.videoUrl().redacted())
                .setResultExpiresAt(linkExpiry(snapshot))
                .build());
      case FAILED:
      case CANCELED:
        return new Transition(null, null);
      case UNKNOWN:
        int unknown = task.getConsecutiveUnknown() + 1;
        if (unknown >= unknownThreshold) {
          return new Transition(null, null);
        }
        return new Transition(null, next.setConsecutiveUnknown(unknown).build());
      default:
        return new Transition(
            null, next.setConsecutiveUnknown(0).setProviderStatus(status.name()).build());
    }
  }

  /** A query about a watched task failed: try again one watch interval later. */
  public Transition onWatchFailed(InFlightTask task, Instant failedAt) {
    return new Transition(
        null,
        InFlightTask.newBuilder(task)
            .setLastPollAt(ceilMillis(failedAt))
            .setConsecutiveFailures(task.getConsecutiveFailures() + 1)
            .setNextPollAt(millis(failedAt.plus(lateWatchInterval)))
            .build());
  }

  /** The watch of {@code task} is over at {@code now}: the provider has forgotten the task. */
  public static boolean watchExpired(InFlightTask task, Instant now) {
    return watched(task) && !now.isBefore(task.getWatchUntil());
  }

  private Instant watchPoll(InFlightTask task, Instant now) {
    Instant next = now.plus(lateWatchInterval);
    Instant last = task.getLastPollAt();
    if (last != null && next.isBefore(last.plus(PollScheduler.MIN_SPACING))) {
      return last.plus(PollScheduler.MIN_SPACING);
    }
    return next;
  }

  /** When the provider took the task of {@code status}: its submitted_at, else its event time. */
  static Instant submittedAt(TaskStatus status) {
    return status.getSubmittedAt() != null ? status.getSubmittedAt() : status.getEventTime();
  }

  /** The task could not be settled past its deadline. */
  public Transition gaveUp(InFlightTask task, Instant now) {
    return ended(
        event(task, TaskState.TIMED_OUT, now)
            .setError(
                error(
                    TIMEOUT,
                    "not finished "
                        + human(timeouts.timeout())
                        + " after submission and its cancellation could not be confirmed (last"
                        + " provider status "
                        + (task.getProviderStatus() == null ? "none" : task.getProviderStatus())
                        + ")",
                    ErrorStage.EXECUTION))
            .build());
  }

  private Transition cancelRefused(InFlightTask task, Instant at) {
    return new Transition(
        null,
        InFlightTask.newBuilder(task)
            .setLastPollAt(ceilMillis(at))
            .setProviderStatus(TimeoutDetector.CANCEL_REFUSED)
            .setConsecutiveFailures(task.getConsecutiveFailures() + 1)
            .setNextPollAt(millis(at.plus(PollScheduler.MIN_SPACING)))
            .build());
  }

  /**
   * True when an answer of {@code status} changes nothing about {@code task} but its poll times:
   * the same PENDING or RUNNING as the last answer, after no failed call and no UNKNOWN.
   */
  private static boolean unchangedBut(InFlightTask task, ProviderStatus status) {
    TaskState state =
        switch (status) {
          case PENDING -> TaskState.PENDING;
          case RUNNING -> TaskState.RUNNING;
          default -> null;
        };
    return state != null
        && state == task.getStatus().getState()
        && status.name().equals(task.getProviderStatus())
        && task.getConsecutiveFailures() == 0
        && task.getConsecutiveUnknown() == 0;
  }

  /**
   * {@code task} with other poll times. A shallow copy: the status event is shared, not copied
   * (records here are never changed once built), where {@code InFlightTask.newBuilder(task)} copies
   * the whole event with its metadata, on every answer of every task.
   */
  private static InFlightTask withPollTimes(InFlightTask task, Instant lastPollAt, Instant next) {
    return new InFlightTask(
        task.getStatus(),
        task.getProviderStatus(),
        next,
        lastPollAt,
        task.getDeadline(),
        task.getConsecutiveUnknown(),
        task.getConsecutiveFailures(),
        task.getCancelRequestedAt(),
        task.getCancelCommand(),
        task.getWatchUntil());
  }

  private static Transition ended(TaskStatus event) {
    return new Transition(event, null);
  }

  private static TaskStatus.Builder event(InFlightTask task, TaskState state, Instant at) {
    return TaskStatus.newBuilder(task.getStatus())
        .setState(state)
        .setEventTime(millis(at))
        .setError(null)
        .setUsage(null)
        .setResultUrl(null)
        .setResultExpiresAt(null)
        .setArchive(null);
  }

  /** The signed result link's expiry (its {@code Expires}), or null when it has none. */
  private static Instant linkExpiry(TaskSnapshot snapshot) {
    return snapshot.videoUrl() == null
        ? null
        : snapshot.videoUrl().expiresAt().map(TaskTransitions::millis).orElse(null);
  }

  private static Usage usage(TaskUsage u) {
    if (u == null) {
      return null;
    }
    return Usage.newBuilder()
        .setVideoDurationMillis(u.videoDurationMillis())
        .setTier(u.tier())
        .setVideoCount(u.videoCount())
        .setAudio(u.audio())
        .setProviderCost(u.providerCost())
        .setProviderCostCurrency(u.providerCostCurrency())
        .build();
  }

  /**
   * The provider's failure of a FAILED task, as the dialect that answered classified it once, at
   * the client boundary ({@link TaskSnapshot#failure()}).
   */
  private static ErrorInfo executionError(TaskSnapshot snapshot) {
    WanError e = snapshot.failure();
    return ErrorInfo.newBuilder()
        .setCode(e.code())
        .setMessage(e.message())
        .setRetryable(e.retryable())
        .setStage(ErrorStage.EXECUTION)
        .setField(null)
        .build();
  }

  private static ErrorInfo error(String code, String message, ErrorStage stage) {
    return ErrorInfo.newBuilder()
        .setCode(code)
        .setMessage(message)
        .setRetryable(true)
        .setStage(stage)
        .setField(null)
        .build();
  }

  private static Instant millis(Instant t) {
    return t.truncatedTo(ChronoUnit.MILLIS);
  }

  /** Rounds up, so that the floor measured from a stored call time is never shortened. */
  private static Instant ceilMillis(Instant t) {
    Instant down = t.truncatedTo(ChronoUnit.MILLIS);
    return down.equals(t) ? t : down.plusMillis(1);
  }

  private static String human(Duration d) {
    if (d.toSeconds() % 60 == 0 && d.toMinutes() > 0) {
      return d.toMinutes() + " min";
    }
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
