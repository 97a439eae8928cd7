package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RecentCallsTest {
  private static final Instant T0 = Instant.parse("2026-12-06T14:31:56Z");
  private final RecentCalls recent = new RecentCalls(PollScheduler.MIN_SPACING);

  @Test
  void aTaskNeverCalledIsSpacedEnough() {
    assertThat(recent.spacedEnough("t1", T0)).isTrue();
  }

  @Test
  void aCallWithinThreeSecondsOfTheLastIsNotSpacedEnoughWhateverTheStoreSays() {
    recent.noted("t1", T0);
    assertThat(recent.spacedEnough("t1", T0.plusMillis(1146)))
        .as("the fault suite's gap")
        .isFalse();
    assertThat(recent.spacedEnough("t1", T0.plus(Duration.ofMillis(2999)))).isFalse();
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(3))).isTrue();
    assertThat(recent.spacedEnough("t2", T0.plusMillis(1))).as("another task").isTrue();
  }

  @Test
  void aCallBetweenMillisecondsIsNeverAllowedEarly() {
    recent.noted("t1", T0.plusNanos(500_000));
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(3).plusNanos(400_000)))
        .as("2.9999 s after")
        .isFalse();
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(3).plusMillis(2))).isTrue();
  }

  @Test
  void theLaterOfQueuedAndSentCounts() {
    recent.noted("t1", T0.plusSeconds(2)); // sent late, after its queueing
    recent.noted("t1", T0); // a note that arrives out of order
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(4))).isFalse();
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(5))).isTrue();
  }

  @Test
  void oldEntriesAreSweptSoTheMapStaysBounded() {
    for (int i = 0; i < 10_000; i++) {
      recent.noted("old-" + i, T0);
    }
    recent.noted("new", T0.plusSeconds(10));
    for (int i = 1; i < 10_000; i++) {
      recent.noted("new-" + i, T0.plusSeconds(10));
    }
    assertThat(recent.size()).as("the old entries swept").isLessThanOrEqualTo(10_000);
  }
}
