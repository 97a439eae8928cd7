package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.ResultLink;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.TaskUsage;
import io.wanpipeline.wan.WanError;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TaskTransitionsTest {
  private final TaskTransitions transitions = Tasks.transitions();
  private final InFlightTask submitted = transitions.track(Tasks.submitted("r1", "t1"));

  private static TaskSnapshot snapshot(ProviderStatus status) {
    return new TaskSnapshot("t1", status, T0, null, null, null, null, null, null);
  }

  @Test
  void aRunningTaskOfAKnownClassIsPolledJustAfterItsClassUsuallyEnds() {
    RunTimeForecast forecast = RunTimeForecast.learning();
    TaskTransitions aiming =
        new TaskTransitions(
            Tasks.scheduler(3),
            new TimeoutDetector(Duration.ofMinutes(20)),
            3,
            TaskTransitions.DEFAULT_LATE_WATCH_INTERVAL,
            forecast);
    TaskStatus status = Tasks.submitted("r1", "t1");
    for (int i = 0; i < 5; i++) {
      forecast.learn(
          status,
          new TaskSnapshot(
              "t0", ProviderStatus.SUCCEEDED, T0, T0, T0.plusSeconds(30), null, null, null, null));
    }
    InFlightTask tracked = aiming.track(status);
    Instant started = T0.plusSeconds(1);
    TaskSnapshot running =
        new TaskSnapshot("t1", ProviderStatus.RUNNING, T0, started, null, null, null, null, null);

    var t = aiming.onAnswer(tracked, running, T0.plusSeconds(25));

    assertThat(t.next().getNextPollAt())
        .as("30 s after it started, and 250 ms")
        .isEqualTo(started.plusSeconds(30).plus(PollScheduler.AIM_MARGIN));
    assertThat(transitions.onAnswer(submitted, running, T0.plusSeconds(25)).next().getNextPollAt())
        .as("without a forecast: a random point of 5-10 s")
        .isBetween(T0.plusSeconds(30), T0.plusSeconds(35));
  }

  @Test
  void tracksFromSubmission() {
    assertThat(submitted.getNextPollAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(submitted.getDeadline()).isEqualTo(T0.plus(Duration.ofMinutes(20)));
    assertThat(submitted.getLastPollAt()).isNull();
    assertThat(submitted.getProviderStatus()).isNull();
  }

  @Test
  void pendingAfterSubmittedIsAChangeCopyingTheRequest() {
    Instant at = T0.plusSeconds(5);
    var t = transitions.onAnswer(submitted, snapshot(ProviderStatus.PENDING), at);
    TaskStatus e = t.emit();
    assertThat(e.getState()).isEqualTo(TaskState.PENDING);
    assertThat(e.getEventTime()).isEqualTo(at);
    assertThat(e.getRequestId()).isEqualTo("r1");
    assertThat(e.getTaskId()).isEqualTo("t1");
    assertThat(e.getApiKeyRef()).isEqualTo("default#0");
    assertThat(e.getSubmittedAt()).isEqualTo(T0);
    assertThat(e.getRequestedResolution()).isEqualTo("480P");
    assertThat(e.getMetadata()).containsEntry("campaign", "spring");
    assertThat(t.next().getStatus()).isEqualTo(e);
    assertThat(t.next().getProviderStatus()).isEqualTo("PENDING");
    assertThat(t.next().getLastPollAt()).isEqualTo(at);
    assertThat(t.next().getNextPollAt()).isBetween(at.plusSeconds(5), at.plusSeconds(10));
  }

  @Test
  void sameStateAgainEmitsNothing() {
    var pending =
        transitions.onAnswer(submitted, snapshot(ProviderStatus.PENDING), T0.plusSeconds(5));
    var again =
        transitions.onAnswer(pending.next(), snapshot(ProviderStatus.PENDING), T0.plusSeconds(12));
    assertThat(again.emit()).isNull();
    assertThat(again.ended()).isFalse();
    var running =
        transitions.onAnswer(again.next(), snapshot(ProviderStatus.RUNNING), T0.plusSeconds(20));
    assertThat(running.emit().getState()).isEqualTo(TaskState.RUNNING);
  }

  @Test
  void anAnswerThatChangesNothingButThePollTimesSaysSoAndSharesTheEvent() {
    var pending =
        transitions.onAnswer(submitted, snapshot(ProviderStatus.PENDING), T0.plusSeconds(5));
    assertThat(pending.pollTimesOnly()).as("SUBMITTED -> PENDING is a change").isFalse();
    Instant at = T0.plusSeconds(12);
    var again = transitions.onAnswer(pending.next(), snapshot(ProviderStatus.PENDING), at);
    assertThat(again.pollTimesOnly()).isTrue();
    assertThat(again.next().getStatus()).isSameAs(pending.next().getStatus());
    assertThat(again.next().getLastPollAt()).isEqualTo(at);
    assertThat(again.next().getNextPollAt()).isBetween(at.plusSeconds(5), at.plusSeconds(10));
    assertThat(again.next())
        .as("the same task but for its poll times")
        .isEqualTo(
            InFlightTask.newBuilder(pending.next())
                .setLastPollAt(again.next().getLastPollAt())
                .setNextPollAt(again.next().getNextPollAt())
                .build());

    var running =
        transitions.onAnswer(again.next(), snapshot(ProviderStatus.RUNNING), at.plusSeconds(7));
    assertThat(running.pollTimesOnly()).as("PENDING -> RUNNING is a change").isFalse();
    WanError down = new WanError("InternalError", "x", true, WanError.Stage.QUERY, 503, null);
    var failed = transitions.onCallFailed(running.next(), down, at.plusSeconds(14));
    assertThat(failed.pollTimesOnly()).as("a failed call counts").isFalse();
    var afterFailure =
        transitions.onAnswer(failed.next(), snapshot(ProviderStatus.RUNNING), at.plusSeconds(21));
    assertThat(afterFailure.pollTimesOnly()).as("the count of failures goes back to 0").isFalse();
    assertThat(afterFailure.next().getConsecutiveFailures()).isZero();
    var unknown =
        transitions.onAnswer(
            afterFailure.next(), snapshot(ProviderStatus.UNKNOWN), at.plusSeconds(28));
    assertThat(unknown.pollTimesOnly()).as("an UNKNOWN counts").isFalse();
    var afterUnknown =
        transitions.onAnswer(unknown.next(), snapshot(ProviderStatus.RUNNING), at.plusSeconds(35));
    assertThat(afterUnknown.pollTimesOnly()).as("the count of UNKNOWN goes back to 0").isFalse();
    assertThat(
            transitions
                .onAnswer(afterUnknown.next(), snapshot(ProviderStatus.RUNNING), at.plusSeconds(42))
                .pollTimesOnly())
        .isTrue();
  }

  @Test
  void succeededCarriesUsageEndTimeAndRedactedLink() {
    Instant end = T0.plusSeconds(40);
    TaskSnapshot done =
        new TaskSnapshot(
            "t1",
            ProviderStatus.SUCCEEDED,
            T0,
            T0.plusSeconds(1),
            end,
            ResultLink.of(
                "https://r.oss.example.com/a/t1.mp4?Expires=9&OSSAccessKeyId=K&Signature=S"),
            new TaskUsage(5230, "480P", 1, false, null, null),
            null,
            null);
    var t = transitions.onAnswer(submitted, done, T0.plusSeconds(45));
    assertThat(t.ended()).isTrue();
    TaskStatus e = t.emit();
    assertThat(e.getState()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(e.getProviderEndTime()).isEqualTo(end);
    assertThat(e.getResultUrl()).isEqualTo("https://r.oss.example.com/a/t1.mp4");
    assertThat(e.getResultExpiresAt()).isEqualTo(Instant.ofEpochSecond(9));
    assertThat(e.getUsage().getVideoDurationMillis()).isEqualTo(5230);
    assertThat(e.getUsage().getTier()).isEqualTo("480P");
    assertThat(e.getUsage().getVideoCount()).isEqualTo(1);
    assertThat(e.getUsage().getAudio()).isFalse();
    assertThat(e.getError()).isNull();
  }

  @Test
  void failedCarriesTheClassifiedProviderError() {
    TaskSnapshot failed =
        new TaskSnapshot(
            "t1",
            ProviderStatus.FAILED,
            T0,
            null,
            T0.plusSeconds(9),
            null,
            null,
            "DataInspectionFailed",
            "Output data may contain inappropriate content.");
    var t = transitions.onAnswer(submitted, failed, T0.plusSeconds(10));
    assertThat(t.ended()).isTrue();
    assertThat(t.emit().getState()).isEqualTo(TaskState.FAILED);
    assertThat(t.emit().getError().getCode()).isEqualTo("DataInspectionFailed");
    assertThat(t.emit().getError().getRetryable()).isFalse();
    assertThat(t.emit().getError().getStage()).isEqualTo(ErrorStage.EXECUTION);
    assertThat(t.emit().getProviderEndTime()).isEqualTo(T0.plusSeconds(9));
  }

  @Test
  void failedWithAProviderInternalErrorIsRetryableAndLosesSignedQueries() {
    TaskSnapshot failed =
        new TaskSnapshot(
            "t1",
            ProviderStatus.FAILED,
            T0,
            null,
            T0.plusSeconds(9),
            null,
            null,
            "InternalError.Algo",
            "cannot read https://b.oss.example.com/x.png?Expires=1&OSSAccessKeyId=LTAI&Signature=abc");
    var error = transitions.onAnswer(submitted, failed, T0.plusSeconds(10)).emit().getError();
    assertThat(error.getCode()).isEqualTo("InternalError.Algo");
    assertThat(error.getRetryable()).isTrue();
    assertThat(error.getMessage())
        .contains("b.oss.example.com/x.png")
        .doesNotContain("Signature", "LTAI");
  }

  @Test
  void canceledEnds() {
    var t = transitions.onAnswer(submitted, snapshot(ProviderStatus.CANCELED), T0.plusSeconds(5));
    assertThat(t.ended()).isTrue();
    assertThat(t.emit().getState()).isEqualTo(TaskState.CANCELED);
  }

  @Test
  void suspendedKeepsPollingSilently() {
    var t = transitions.onAnswer(submitted, snapshot(ProviderStatus.SUSPENDED), T0.plusSeconds(5));
    assertThat(t.emit()).isNull();
    assertThat(t.ended()).isFalse();
  }

  @Test
  void unknownOnlyAfterThreeUnknownAnswersInARow() {
    InFlightTask task = submitted;
    Instant at = T0.plusSeconds(5);
    var first = transitions.onAnswer(task, snapshot(ProviderStatus.UNKNOWN), at);
    assertThat(first.emit()).isNull();
    var second =
        transitions.onAnswer(first.next(), snapshot(ProviderStatus.UNKNOWN), at.plusSeconds(7));
    assertThat(second.emit()).isNull();
    assertThat(second.next().getConsecutiveUnknown()).isEqualTo(2);
    // An answer in between starts the count again.
    var pending =
        transitions.onAnswer(second.next(), snapshot(ProviderStatus.PENDING), at.plusSeconds(14));
    assertThat(pending.next().getConsecutiveUnknown()).isZero();
    var u1 =
        transitions.onAnswer(pending.next(), snapshot(ProviderStatus.UNKNOWN), at.plusSeconds(21));
    var u2 = transitions.onAnswer(u1.next(), snapshot(ProviderStatus.UNKNOWN), at.plusSeconds(28));
    var u3 = transitions.onAnswer(u2.next(), snapshot(ProviderStatus.UNKNOWN), at.plusSeconds(35));
    assertThat(u2.emit()).isNull();
    assertThat(u3.ended()).isTrue();
    assertThat(u3.emit().getState()).isEqualTo(TaskState.UNKNOWN);
    assertThat(u3.emit().getError().getCode()).isEqualTo(TaskTransitions.TASK_UNKNOWN);
  }

  @Test
  void aFailedPollNeverFailsTheTask() {
    WanError throttled =
        new WanError(
            "Throttling", "slow down", true, WanError.Stage.QUERY, 429, Duration.ofSeconds(20));
    Instant at = T0.plusSeconds(5);
    var t = transitions.onCallFailed(submitted, throttled, at);
    assertThat(t.emit()).isNull();
    assertThat(t.ended()).isFalse();
    assertThat(t.next().getConsecutiveFailures()).isEqualTo(1);
    assertThat(t.next().getLastPollAt()).isEqualTo(at);
    assertThat(t.next().getNextPollAt()).isBetween(at.plusSeconds(20), at.plusSeconds(22));
    WanError down = new WanError("InternalError", "x", true, WanError.Stage.QUERY, 503, null);
    var again = transitions.onCallFailed(t.next(), down, at.plusSeconds(21));
    assertThat(again.next().getConsecutiveFailures()).isEqualTo(2);
    assertThat(again.next().getStatus().getState()).isEqualTo(TaskState.SUBMITTED);
  }

  @Test
  void pendingTaskCancelledAtTheDeadlineEndsTimedOutNotCharged() {
    Instant at = T0.plus(Duration.ofMinutes(20)).plusSeconds(1);
    var t = transitions.onCancelAnswered(submitted, true, at);
    assertThat(t.ended()).isTrue();
    assertThat(t.emit().getState()).isEqualTo(TaskState.TIMED_OUT);
    assertThat(t.emit().getError().getCode()).isEqualTo(TaskTransitions.TIMEOUT);
    assertThat(t.emit().getError().getMessage())
        .contains("PENDING", "cancelled", "not charged", "20 min");
  }

  @Test
  void aCancelRequestedIsDueAtOnceAndItsAnsweredCancelEndsCanceledNotTimedOut() {
    Instant seen = T0.plusSeconds(2);
    InFlightTask asked = transitions.cancelRequested(submitted, "command c1 by ops: stop", seen);
    assertThat(asked.getCancelRequestedAt()).isEqualTo(seen);
    assertThat(asked.getNextPollAt()).as("due at once").isEqualTo(seen);

    var t = transitions.onCancelAnswered(asked, true, T0.plusSeconds(5));

    assertThat(t.next()).isNull();
    assertThat(t.emit().getState()).isEqualTo(TaskState.CANCELED);
    assertThat(t.emit().getError().getCode()).isEqualTo(TaskTransitions.CANCELED_AT_PROVIDER);
    assertThat(t.emit().getError().getRetryable()).isFalse();
    assertThat(t.emit().getError().getMessage())
        .contains("command c1 by ops: stop", "PENDING", "not charged");
    assertThat(t.emit().getUsage()).isNull();
  }

  @Test
  void aCancelRefusedOnCommandMeansTheTaskRunsOnAndIsQueried() {
    InFlightTask asked = transitions.cancelRequested(submitted, "command c1", T0.plusSeconds(2));
    var t = transitions.onCancelAnswered(asked, false, T0.plusSeconds(5));
    assertThat(t.emit()).isNull();
    assertThat(t.next().getProviderStatus()).isEqualTo(TimeoutDetector.CANCEL_REFUSED);
    assertThat(t.next().getCancelRequestedAt()).isNotNull();
  }

  @Test
  void refusedCancelMeansQueryNext() {
    Instant at = T0.plus(Duration.ofMinutes(20)).plusSeconds(1);
    WanError refused =
        new WanError("UnsupportedOperation", "not PENDING", false, WanError.Stage.QUERY, 400, null);
    var t = transitions.onCancelFailed(submitted, refused, at);
    assertThat(t.emit()).isNull();
    assertThat(t.next().getProviderStatus()).isEqualTo(TimeoutDetector.CANCEL_REFUSED);
    assertThat(t.next().getNextPollAt()).isEqualTo(at.plusSeconds(3));
    var retry =
        transitions.onCancelFailed(
            submitted, new WanError("Throttling", "x", true, WanError.Stage.QUERY, 429, null), at);
    assertThat(retry.next().getProviderStatus()).isNull();
  }

  @Test
  void runningTaskTimesOutWithTimeoutCode() {
    var running =
        transitions.onAnswer(submitted, snapshot(ProviderStatus.RUNNING), T0.plusSeconds(5));
    Instant deadline = T0.plus(Duration.ofMinutes(20));
    var t = transitions.timedOutRunning(running.next(), deadline);
    assertThat(t.emit().getState()).isEqualTo(TaskState.TIMED_OUT);
    assertThat(t.emit().getError().getCode()).isEqualTo("TIMEOUT");
    assertThat(t.emit().getError().getMessage()).contains("RUNNING", "LATE_SUCCEEDED");
    assertThat(t.ended()).as("kept under a slow watch").isFalse();
    assertThat(TaskTransitions.watched(t.next())).isTrue();
    assertThat(t.next().getWatchUntil()).isEqualTo(T0.plus(Duration.ofHours(24)));
    assertThat(t.next().getNextPollAt()).isEqualTo(deadline.plus(Duration.ofMinutes(5)));
    assertThat(t.next().getStatus().getState()).isEqualTo(TaskState.TIMED_OUT);
    assertThat(TaskTransitions.dueAt(t.next())).isEqualTo(deadline.plus(Duration.ofMinutes(5)));
  }

  private InFlightTask watchedTask() {
    var running =
        transitions.onAnswer(submitted, snapshot(ProviderStatus.RUNNING), T0.plusSeconds(5));
    return transitions.timedOutRunning(running.next(), T0.plus(Duration.ofMinutes(20))).next();
  }

  @Test
  void aWatchedTaskThatSucceedsIsAnnouncedLateSucceededWithUsage() {
    InFlightTask watched = watchedTask();
    TaskSnapshot done =
        new TaskSnapshot(
            "t1",
            ProviderStatus.SUCCEEDED,
            T0,
            T0.plusSeconds(1),
            T0.plus(Duration.ofMinutes(22)),
            ResultLink.of("https://r.oss.example.com/a/t1.mp4?Expires=9&Signature=S"),
            new TaskUsage(5000, "480P", 1, false, null, null),
            null,
            null);
    var t = transitions.onWatchAnswer(watched, done, T0.plus(Duration.ofMinutes(25)));
    assertThat(t.ended()).isTrue();
    assertThat(t.emit().getState()).isEqualTo(TaskState.LATE_SUCCEEDED);
    assertThat(t.emit().getUsage().getVideoDurationMillis()).isEqualTo(5000);
    assertThat(t.emit().getResultUrl()).isEqualTo("https://r.oss.example.com/a/t1.mp4");
    assertThat(t.emit().getResultExpiresAt()).isEqualTo(Instant.ofEpochSecond(9));
    assertThat(t.emit().getError()).isNull();
  }

  @Test
  void aWatchedTaskStillRunningIsPolledOneWatchIntervalLater() {
    InFlightTask watched = watchedTask();
    Instant at = T0.plus(Duration.ofMinutes(25));
    var t = transitions.onWatchAnswer(watched, snapshot(ProviderStatus.RUNNING), at);
    assertThat(t.emit()).isNull();
    assertThat(t.next().getNextPollAt()).isEqualTo(at.plus(Duration.ofMinutes(5)));
    assertThat(t.next().getLastPollAt()).isEqualTo(at);
  }

  @Test
  void aWatchedTaskThatFailsOrIsForgottenEndsTheWatchSilently() {
    InFlightTask watched = watchedTask();
    Instant at = T0.plus(Duration.ofMinutes(25));
    var failed = transitions.onWatchAnswer(watched, snapshot(ProviderStatus.FAILED), at);
    assertThat(failed.ended()).isTrue();
    assertThat(failed.emit()).isNull();

    var u1 = transitions.onWatchAnswer(watched, snapshot(ProviderStatus.UNKNOWN), at);
    assertThat(u1.ended()).isFalse();
    var u2 = transitions.onWatchAnswer(u1.next(), snapshot(ProviderStatus.UNKNOWN), at);
    assertThat(u2.ended()).isFalse();
    var u3 = transitions.onWatchAnswer(u2.next(), snapshot(ProviderStatus.UNKNOWN), at);
    assertThat(u3.ended()).as("UNKNOWN three times in a row").isTrue();
    assertThat(u3.emit()).isNull();

    assertThat(TaskTransitions.watchExpired(watched, T0.plus(Duration.ofHours(24)))).isTrue();
    assertThat(TaskTransitions.watchExpired(watched, T0.plus(Duration.ofHours(23)))).isFalse();
    assertThat(TaskTransitions.dueAt(watched)).isBefore(watched.getWatchUntil());
  }

  @Test
  void aFailedWatchPollWaitsOneWatchInterval() {
    InFlightTask watched = watchedTask();
    Instant at = T0.plus(Duration.ofMinutes(25));
    var t = transitions.onWatchFailed(watched, at);
    assertThat(t.emit()).isNull();
    assertThat(t.next().getNextPollAt()).isEqualTo(at.plus(Duration.ofMinutes(5)));
    assertThat(t.next().getConsecutiveFailures()).isEqualTo(1);
  }

  @Test
  void aTaskInFlightIsDueAtItsNextPollOrItsDeadlineWhicheverIsFirst() {
    assertThat(TaskTransitions.dueAt(submitted)).isEqualTo(T0.plusSeconds(5));
    InFlightTask late =
        InFlightTask.newBuilder(submitted).setNextPollAt(T0.plus(Duration.ofHours(1))).build();
    assertThat(TaskTransitions.dueAt(late)).isEqualTo(T0.plus(Duration.ofMinutes(20)));
  }
}
