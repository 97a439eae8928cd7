package io.wanpipeline.archiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PendingArchivesTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void startsTheSoonestExpiryFirstAcrossPartitionsThenTheLowestOffset() {
    PendingArchives<String> p = new PendingArchives<>(10);
    p.assign("t-0", 0);
    p.assign("t-1", 0);
    p.add("t-0", 0, "a", T.plusSeconds(300), "a");
    p.add("t-0", 1, "b", T.plusSeconds(100), "b");
    p.add("t-1", 5, "c", T.plusSeconds(200), "c");
    p.add("t-1", 3, "d", T.plusSeconds(100), "d");

    assertThat(p.start()).map(PendingArchives.Entry::item).contains("b");
    assertThat(p.start()).map(PendingArchives.Entry::item).contains("d");
    assertThat(p.start()).map(PendingArchives.Entry::item).contains("c");
    assertThat(p.start()).map(PendingArchives.Entry::item).contains("a");
    assertThat(p.start()).isEmpty();
  }

  @Test
  void aPartitionNotReadyKeepsItsEntriesQueuedInOrder() {
    PendingArchives<String> p = new PendingArchives<>(10);
    p.assign("t-0", 0);
    p.assign("t-1", 0);
    p.add("t-0", 0, "a", T, "a");
    p.add("t-1", 0, "b", T.plusSeconds(1), "b");

    assertThat(p.start(partition -> !partition.equals("t-0")))
        .as("t-0 is still catching up")
        .map(PendingArchives.Entry::item)
        .contains("b");
    assertThat(p.start(partition -> !partition.equals("t-0"))).isEmpty();
    assertThat(p.start()).map(PendingArchives.Entry::item).contains("a");
  }

  @Test
  void runsAtMostMaxInFlightAndNeverTwoOfOneRequest() {
    PendingArchives<String> p = new PendingArchives<>(2);
    p.assign("t-0", 0);
    p.add("t-0", 0, "a", T, "a1");
    p.add("t-0", 1, "a", T, "a2");
    p.add("t-0", 2, "b", T.plusSeconds(1), "b");
    p.add("t-0", 3, "c", T.plusSeconds(2), "c");

    PendingArchives.Entry<String> a1 = p.start().orElseThrow();
    assertThat(a1.item()).isEqualTo("a1");
    assertThat(p.start()).map(PendingArchives.Entry::item).contains("b");
    assertThat(p.start()).as("two in flight").isEmpty();
    assertThat(p.inFlightCount()).isEqualTo(2);

    assertThat(p.finish(a1)).isTrue();
    assertThat(p.start()).map(PendingArchives.Entry::item).contains("a2");
  }

  @Test
  void commitsEachPartitionOnlyUpToItsLowestUnfinishedOffset() {
    PendingArchives<String> p = new PendingArchives<>(4);
    p.assign("t-0", 10);
    assertThat(p.commitPosition("t-0")).hasValue(10);
    p.pass("t-0", 10);
    assertThat(p.commitPosition("t-0")).hasValue(11);
    p.add("t-0", 11, "late", T.plusSeconds(50), "late");
    p.add("t-0", 12, "soon", T, "soon");
    p.pass("t-0", 13);
    assertThat(p.commitPosition("t-0")).hasValue(11);

    PendingArchives.Entry<String> soon = p.start().orElseThrow();
    p.finish(soon);
    assertThat(p.commitPosition("t-0")).as("offset 11 is still unfinished").hasValue(11);

    PendingArchives.Entry<String> late = p.start().orElseThrow();
    p.finish(late);
    assertThat(p.commitPosition("t-0")).hasValue(14);
  }

  @Test
  void droppingAPartitionForgetsItsEntriesAndReturnsThoseInFlight() {
    PendingArchives<String> p = new PendingArchives<>(4);
    p.assign("t-0", 0);
    p.assign("t-1", 0);
    p.add("t-0", 0, "a", T, "a");
    p.add("t-0", 1, "b", T.plusSeconds(1), "b");
    p.add("t-1", 0, "c", T.plusSeconds(2), "c");
    PendingArchives.Entry<String> a = p.start().orElseThrow();

    assertThat(p.drop("t-0")).containsExactly(a);
    assertThat(p.finish(a)).as("a dropped entry is not finished").isFalse();
    assertThat(p.commitPosition("t-0")).isEmpty();
    assertThat(p.queuedInOrder()).extracting(PendingArchives.Entry::item).containsExactly("c");
    assertThat(p.add("t-0", 2, "d", T, "d")).as("untracked partition").isEqualTo(Optional.empty());
  }

  @Test
  void aRequeuedEntryStartsAgainAndStillHoldsBackTheCommit() {
    PendingArchives<String> p = new PendingArchives<>(1);
    p.assign("t-0", 0);
    p.add("t-0", 0, "a", T, "a");
    PendingArchives.Entry<String> a = p.start().orElseThrow();
    assertThat(p.requeue(a)).isTrue();
    assertThat(p.inFlightCount()).isZero();
    assertThat(p.commitPosition("t-0")).hasValue(0);
    assertThat(p.start()).contains(a);
  }
}
