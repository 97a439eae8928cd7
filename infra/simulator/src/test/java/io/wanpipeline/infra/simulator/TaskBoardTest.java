package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskBoardTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration RETENTION = Duration.ofHours(24);

  private final TaskBoard board = new TaskBoard(model -> 1, RETENTION);
  private int seq;

  private SimulatedTask task(Instant submitted, SimulatedTask.Fate fate) {
    SimulatedTask t =
        new SimulatedTask(
            "t" + (++seq),
            "acct",
            "key-1",
            "m",
            "/p",
            "r",
            "req",
            new CreateBody(
                "m",
                new CreateBody.Input(Map.of("prompt", "x"), List.of(), Map.of(), List.of()),
                new CreateBody.Parameters(
                    "480P", null, null, null, null, null, null, null, null, Map.of(), Map.of())),
            submitted,
            Duration.ofSeconds(1),
            Duration.ofSeconds(10),
            fate,
            null,
            null,
            5000,
            "480P",
            "832*480",
            false,
            null,
            List.of());
    board.add(t);
    return t;
  }

  private NativeStatus at(SimulatedTask t, long secondsAfterT0) {
    return board.statusOf(t, T0.plusSeconds(secondsAfterT0));
  }

  @Test
  void tasksOverTheCapStayPendingUntilASlotFrees() {
    SimulatedTask first = task(T0, SimulatedTask.Fate.SUCCEED);
    SimulatedTask second = task(T0, SimulatedTask.Fate.SUCCEED);

    assertThat(at(first, 0)).isEqualTo(NativeStatus.PENDING);
    assertThat(at(first, 2)).isEqualTo(NativeStatus.RUNNING);
    assertThat(at(second, 2)).as("cap 1: waits for the first").isEqualTo(NativeStatus.PENDING);
    assertThat(at(second, 10)).isEqualTo(NativeStatus.PENDING);
    assertThat(at(first, 11)).isEqualTo(NativeStatus.SUCCEEDED);
    assertThat(at(second, 11)).isEqualTo(NativeStatus.RUNNING);
    assertThat(second.started).isEqualTo(T0.plusSeconds(11));
    assertThat(at(second, 21)).isEqualTo(NativeStatus.SUCCEEDED);
  }

  @Test
  void lookingLateGivesTheSameTimelineAsLookingOften() {
    SimulatedTask a = task(T0, SimulatedTask.Fate.SUCCEED);
    SimulatedTask b = task(T0.plusSeconds(3), SimulatedTask.Fate.FAIL);
    SimulatedTask c = task(T0.plusSeconds(4), SimulatedTask.Fate.SUCCEED);

    assertThat(at(c, 100)).isEqualTo(NativeStatus.SUCCEEDED);

    assertThat(a.started).isEqualTo(T0.plusSeconds(1));
    assertThat(b.started).isEqualTo(T0.plusSeconds(11));
    assertThat(c.started).isEqualTo(T0.plusSeconds(21));
    assertThat(at(b, 100)).isEqualTo(NativeStatus.FAILED);
  }

  @Test
  void neverFinishingTaskHoldsItsSlotAndPendingForeverTakesNone() {
    SimulatedTask stuck = task(T0, SimulatedTask.Fate.NEVER_FINISH);
    SimulatedTask parked = task(T0, SimulatedTask.Fate.PENDING_FOREVER);
    SimulatedTask blocked = task(T0, SimulatedTask.Fate.SUCCEED);

    assertThat(at(stuck, 3600)).isEqualTo(NativeStatus.RUNNING);
    assertThat(at(parked, 3600)).isEqualTo(NativeStatus.PENDING);
    assertThat(at(blocked, 3600)).isEqualTo(NativeStatus.PENDING);
  }

  @Test
  void cancellingAPendingTaskLetsTheNextOneRunAndRunningCannotBeCancelled() {
    SimulatedTask first = task(T0, SimulatedTask.Fate.SUCCEED);
    SimulatedTask second = task(T0, SimulatedTask.Fate.SUCCEED);
    SimulatedTask third = task(T0, SimulatedTask.Fate.SUCCEED);

    assertThat(board.cancel(first, T0.plusSeconds(5))).as("running").isFalse();
    assertThat(board.cancel(second, T0.plusSeconds(5))).isTrue();
    assertThat(at(second, 5)).isEqualTo(NativeStatus.CANCELED);
    assertThat(at(third, 11)).isEqualTo(NativeStatus.RUNNING);
    assertThat(board.cancel(second, T0.plusSeconds(12))).as("already cancelled").isFalse();
  }

  @Test
  void tasksAreForgottenAfterTheRetention() {
    SimulatedTask done = task(T0, SimulatedTask.Fate.SUCCEED);
    assertThat(at(done, 11 + 24 * 3600 - 1)).isEqualTo(NativeStatus.SUCCEEDED);
    assertThat(at(done, 11 + 24 * 3600)).isEqualTo(NativeStatus.UNKNOWN);
    assertThat(board.tasksOf("acct", T0.plusSeconds(11 + 24 * 3600))).isEmpty();
  }
}
