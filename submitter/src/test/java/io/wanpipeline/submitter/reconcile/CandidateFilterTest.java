package io.wanpipeline.submitter.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskPage;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CandidateFilterTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final String MODEL = "wan2.2-i2v-flash";
  private final SearchWindow window =
      SearchWindow.around(T0, Duration.ofSeconds(30), Duration.ofMinutes(2));
  private final CandidateFilter filter = new CandidateFilter(MODEL, window, Set.of("known-1"));

  private static TaskPage.Entry task(String id, String model, Instant created) {
    return new TaskPage.Entry(id, ProviderStatus.PENDING, model, "p-" + id, created, null, null);
  }

  @Test
  void admitsAnUnknownTaskOfTheModelInsideTheWindow() {
    assertThat(filter.admits(task("t1", MODEL, T0.plusSeconds(1)))).isTrue();
    assertThat(filter.admits(task("t2", MODEL, window.start()))).isTrue();
  }

  @Test
  void dropsKnownTasks() {
    assertThat(filter.admits(task("known-1", MODEL, T0.plusSeconds(1)))).isFalse();
  }

  @Test
  void dropsTasksCreatedOutsideTheWindow() {
    assertThat(filter.admits(task("t1", MODEL, window.start().minusMillis(1)))).isFalse();
    assertThat(filter.admits(task("t1", MODEL, window.end().plusMillis(1)))).isFalse();
  }

  @Test
  void dropsTasksOfAnotherModel() {
    assertThat(filter.admits(task("t1", "wan2.6-t2v", T0))).isFalse();
  }

  @Test
  void dropsEntriesWithoutTaskId() {
    assertThat(filter.admits(task(null, MODEL, T0))).isFalse();
    assertThat(filter.admits(task(" ", MODEL, T0))).isFalse();
  }

  @Test
  void leavesMissingModelOrTimeToTheProvidersFilters() {
    assertThat(filter.admits(task("t1", null, null))).isTrue();
  }
}
