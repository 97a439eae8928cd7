package io.wanpipeline.submitter.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
  @Test
  void startsAtThePosition() {
    assertThat(new OffsetTracker(42).committable()).isEqualTo(42);
  }

  @Test
  void commitsUpToTheLowestUnfinishedRecord() {
    OffsetTracker t = new OffsetTracker(10);
    t.read(10);
    t.read(11);
    t.read(12);
    assertThat(t.committable()).isEqualTo(10);
    t.finish(11);
    t.finish(12);
    assertThat(t.committable()).as("10 still waits").isEqualTo(10);
    t.finish(10);
    assertThat(t.committable()).isEqualTo(13);
  }

  @Test
  void recordsFinishedOutOfOrderAdvanceOnlyPastContiguousOnes() {
    OffsetTracker t = new OffsetTracker(0);
    for (long o = 0; o < 5; o++) {
      t.read(o);
    }
    t.finish(0);
    t.finish(3);
    assertThat(t.committable()).isEqualTo(1);
    t.finish(1);
    assertThat(t.committable()).isEqualTo(2);
    assertThat(t.isOpen(2)).isTrue();
    assertThat(t.isOpen(3)).isFalse();
    assertThat(t.openCount()).isEqualTo(2);
  }

  @Test
  void gapsInOffsetsAreSkipped() {
    OffsetTracker t = new OffsetTracker(0);
    t.read(5); // transaction markers and aborted records leave gaps
    t.finish(5);
    assertThat(t.committable()).isEqualTo(6);
  }
}
