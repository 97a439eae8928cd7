package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DueIndexTest {
  @Test
  void returnsOnlyDueEntriesEarliestFirstAndFollowsUpdates() {
    DueIndex index = new DueIndex();
    index.put("r3", 300, "a");
    index.put("r1", 100, "a");
    index.put("r2", 200, "b");
    assertThat(index.dueAt(99)).isEmpty();
    assertThat(index.dueAt(200)).extracting(DueIndex.Entry::requestId).containsExactly("r1", "r2");

    index.put("r1", 400, "a");
    assertThat(index.dueAt(300)).extracting(DueIndex.Entry::requestId).containsExactly("r2", "r3");
    index.remove("r2");
    assertThat(index.dueAt(1000)).extracting(DueIndex.Entry::requestId).containsExactly("r3", "r1");
    assertThat(index.size()).isEqualTo(2);
    assertThat(index.contains("r2")).isFalse();
  }

  @Test
  void withinOneBucketOnlyTheEntriesDueComeAndEarliestFirst() {
    DueIndex index = new DueIndex();
    index.put("late", 199, "a");
    index.put("r1", 150, "a");
    index.put("r2", 120, "a");
    index.put("next", 200, "a");
    assertThat(index.dueAt(160)).extracting(DueIndex.Entry::requestId).containsExactly("r2", "r1");
    index.put("r2", 199, "a");
    assertThat(index.dueAt(199))
        .extracting(DueIndex.Entry::requestId)
        .containsExactly("r1", "late", "r2");
    index.remove("late");
    index.remove("r1");
    index.remove("r2");
    assertThat(index.dueAt(199)).isEmpty();
    assertThat(index.dueAt(200)).extracting(DueIndex.Entry::requestId).containsExactly("next");
  }

  @Test
  void tasksDueAtTheSameTimeAreAllKept() {
    DueIndex index = new DueIndex();
    for (int i = 0; i < 1000; i++) {
      index.put("r" + i, 5, "a");
    }
    assertThat(index.dueAt(5)).hasSize(1000);
    assertThat(index.dueAt(4)).isEmpty();
  }
}
