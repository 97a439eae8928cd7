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
  void aCallWithinThreeSecondsOfTheEndOfTheLastIsNotSpacedEnoughWhateverTheStoreSays() {
    recent.began("t1");
    recent.ended("t1", T0);
    assertThat(recent.spacedEnough("t1", T0.plusMillis(1146)))
        .as("the fault suite's gap")
        .isFalse();
    assertThat(recent.spacedEnough("t1", T0.plus(Duration.ofMillis(2999)))).isFalse();
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(3))).isTrue();
    assertThat(recent.spacedEnough("t2", T0.plusMillis(1))).as("another task").isTrue();
  }

  @Test
  void noCallBeginsWhileOneIsUnderWayHoweverLongAgoItBegan() {
    recent.began("t1");
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(60))).isFalse();
    recent.ended("t1", T0.plusSeconds(61));
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(63))).isFalse();
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(64))).isTrue();
  }

  @Test
  void theFloorRunsFromTheEndSoASlowCallCannotBringTheNextOneCloserAtTheProvider() {
    // Begun at T0, it reached the provider only at T0 + 1.5 s and was answered at T0 + 1.6 s.
    recent.began("t1");
    recent.ended("t1", T0.plusMillis(1600));
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(3)))
        .as("3 s after it began, 1.5 s after the provider saw it")
        .isFalse();
    assertThat(recent.spacedEnough("t1", T0.plusMillis(4600))).isTrue();
  }

  @Test
  void anEndBetweenMillisecondsIsNeverFollowedEarly() {
    recent.began("t1");
    recent.ended("t1", T0.plusNanos(500_000));
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(3).plusNanos(400_000)))
        .as("2.9999 s after")
        .isFalse();
    assertThat(recent.spacedEnough("t1", T0.plusSeconds(3).plusMillis(2))).isTrue();
  }

  @Test
  void oldEntriesAreSweptSoTheMapStaysBoundedButLiveOnesAndACallUnderWayAreKept() {
    recent.began("long");
    for (int i = 0; i < 10_000; i++) {
      recent.ended("old-" + i, T0);
    }
    Instant later = T0.plus(RecentCalls.SWEEP_AGE).plusSeconds(1);
    // Polled 10 s before the sweep, as a live task is: kept, not removed and added again.
    recent.ended("live", later.minusSeconds(10));
    for (int i = 1; i < 10_000; i++) {
      recent.ended("new-" + i, later);
    }
    assertThat(recent.size())
        .as("the old entries swept; the call under way, the live one and the new ones kept")
        .isEqualTo(1 + 1 + 9_999);
    assertThat(recent.spacedEnough("long", later)).as("still under way").isFalse();
  }
}
