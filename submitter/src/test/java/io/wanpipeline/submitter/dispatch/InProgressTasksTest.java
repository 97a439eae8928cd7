package io.wanpipeline.submitter.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InProgressTasksTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final LaneKey FLASH = new LaneKey("default", "wan2.2-i2v-flash");
  private static final LaneKey OTHER = new LaneKey("second", "wan2.2-i2v-flash");

  @Test
  void countsSubmittedTasksPerLaneUntilTheirTerminalEvent() {
    InProgressTasks tasks = new InProgressTasks(Duration.ofMinutes(30));
    tasks.submitted(FLASH, "r1", "t1", T0);
    tasks.submitted(FLASH, "r2", "t2", T0);
    tasks.submitted(OTHER, "r3", "t3", T0);
    assertThat(tasks.count(FLASH, T0)).isEqualTo(2);
    assertThat(tasks.count(OTHER, T0)).isEqualTo(1);

    tasks.terminal("r1", "t-other");
    assertThat(tasks.count(FLASH, T0)).as("another task id ends nothing").isEqualTo(2);
    tasks.terminal("r1", "t1");
    assertThat(tasks.count(FLASH, T0)).isEqualTo(1);
    assertThat(tasks.contains("r1")).isFalse();
  }

  @Test
  void aTaskOlderThanTheHorizonStopsCounting() {
    InProgressTasks tasks = new InProgressTasks(Duration.ofMinutes(30));
    tasks.submitted(FLASH, "old", "t1", T0);
    tasks.submitted(FLASH, "new", "t2", T0.plus(Duration.ofMinutes(20)));
    assertThat(tasks.count(FLASH, T0.plus(Duration.ofMinutes(30)))).isEqualTo(2);
    assertThat(tasks.count(FLASH, T0.plus(Duration.ofMinutes(31)))).isEqualTo(1);
    assertThat(tasks.contains("old")).isFalse();
    tasks.prune(T0.plus(Duration.ofMinutes(51)));
    assertThat(tasks.contains("new")).isFalse();
  }

  @Test
  void theSameSubmissionSeenTwiceCountsOnce() {
    InProgressTasks tasks = new InProgressTasks(Duration.ofMinutes(30));
    tasks.submitted(FLASH, "r1", "t1", T0);
    tasks.submitted(FLASH, "r1", "t1", T0);
    assertThat(tasks.count(FLASH, T0)).isEqualTo(1);
  }
}
