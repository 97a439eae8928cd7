package io.wanpipeline.archiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class QuerySpacingTest {
  private static final Instant POLLED = Instant.parse("2026-11-21T10:00:00Z");

  private static TaskStatus succeededAt(Instant eventTime) {
    return TaskStatuses.of("r1", TaskState.SUCCEEDED)
        .setModel("wan2.6-t2v")
        .setEventTime(eventTime)
        .build();
  }

  @Test
  void waitsUntilThreeSecondsAfterThePollThatSawTheSuccess() {
    assertThat(VideoArchiver.firstAttemptDelay(succeededAt(POLLED), POLLED.plusMillis(400)))
        .isEqualTo(Duration.ofMillis(2600));
  }

  @Test
  void startsAtOnceWhenTheEventIsOlderThanTheSpacing() {
    assertThat(VideoArchiver.firstAttemptDelay(succeededAt(POLLED), POLLED.plusSeconds(3)))
        .isZero();
    assertThat(VideoArchiver.firstAttemptDelay(succeededAt(POLLED), POLLED.plusSeconds(60)))
        .isZero();
  }
}
