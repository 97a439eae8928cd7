package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.internal.InFlightTask;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeoutDetectorTest {
  private final TimeoutDetector detector = new TimeoutDetector(Duration.ofMinutes(20));
  private final Instant deadline = T0.plus(Duration.ofMinutes(20));

  private InFlightTask task(String providerStatus) {
    InFlightTask t = Tasks.transitions().track(Tasks.submitted("r1", "t1"));
    t.setProviderStatus(providerStatus);
    return t;
  }

  @Test
  void deadlineIsTwentyMinutesAfterSubmission() {
    assertThat(task(null).getDeadline()).isEqualTo(deadline);
  }

  @Test
  void inTimeBeforeTheDeadline() {
    assertThat(detector.check(task("RUNNING"), deadline.minusMillis(1)))
        .isEqualTo(TimeoutDetector.Verdict.IN_TIME);
  }

  @Test
  void cancelsATaskStillPendingAtTheDeadline() {
    assertThat(detector.check(task("PENDING"), deadline)).isEqualTo(TimeoutDetector.Verdict.CANCEL);
    assertThat(detector.check(task(null), deadline)).isEqualTo(TimeoutDetector.Verdict.CANCEL);
  }

  @Test
  void timesOutTaskStillRunningAfterTwentyMinutes() {
    assertThat(detector.check(task("RUNNING"), deadline))
        .isEqualTo(TimeoutDetector.Verdict.TIME_OUT_RUNNING);
    assertThat(detector.check(task("SUSPENDED"), deadline.plusSeconds(1)))
        .isEqualTo(TimeoutDetector.Verdict.TIME_OUT_RUNNING);
  }

  @Test
  void queriesAfterTheProviderRefusedToCancel() {
    assertThat(detector.check(task(TimeoutDetector.CANCEL_REFUSED), deadline.plusSeconds(5)))
        .isEqualTo(TimeoutDetector.Verdict.QUERY);
  }

  @Test
  void givesUpWhenCancellationCannotBeSettled() {
    Instant late = deadline.plus(TimeoutDetector.GIVE_UP_AFTER);
    assertThat(detector.check(task("PENDING"), late)).isEqualTo(TimeoutDetector.Verdict.GIVE_UP);
    assertThat(detector.check(task(TimeoutDetector.CANCEL_REFUSED), late))
        .isEqualTo(TimeoutDetector.Verdict.GIVE_UP);
  }

  @Test
  void aCancelCommandCancelsBeforeTheDeadlineOnlyATaskNotSeenRunning() {
    Instant early = T0.plusSeconds(30);
    InFlightTask asked = Tasks.transitions().cancelRequested(task(null), "command c1", early);
    assertThat(detector.check(asked, early)).isEqualTo(TimeoutDetector.Verdict.CANCEL);
    asked.setProviderStatus("PENDING");
    assertThat(detector.check(asked, early)).isEqualTo(TimeoutDetector.Verdict.CANCEL);
    asked.setProviderStatus("RUNNING");
    assertThat(detector.check(asked, early))
        .as("a running task cannot be cancelled: polled as scheduled")
        .isEqualTo(TimeoutDetector.Verdict.IN_TIME);
    asked.setProviderStatus(TimeoutDetector.CANCEL_REFUSED);
    assertThat(detector.check(asked, early)).isEqualTo(TimeoutDetector.Verdict.IN_TIME);
    assertThat(detector.check(task("PENDING"), early))
        .as("without a command")
        .isEqualTo(TimeoutDetector.Verdict.IN_TIME);
  }
}
