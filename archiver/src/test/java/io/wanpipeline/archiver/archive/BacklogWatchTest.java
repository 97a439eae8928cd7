package io.wanpipeline.archiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BacklogWatchTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static BacklogWatch.Queued queued(String id, Duration expiresIn) {
    return new BacklogWatch.Queued(id, "task-" + id, NOW.plus(expiresIn));
  }

  @Test
  void flagsRequestsTheQueueAheadWouldDelayPastExpiryMinusMargin() {
    BacklogWatch watch = new BacklogWatch(Duration.ofHours(1), 2);
    watch.recordDuration(Duration.ofMinutes(30));
    List<BacklogWatch.Queued> queue =
        List.of(
            queued("a", Duration.ofHours(2)), // a free worker now: starts at once
            queued("b", Duration.ofMinutes(100)), // two ahead: starts at 30m, limit 40m: fine
            queued("c", Duration.ofMinutes(80)), // three ahead: starts at 30m, limit 20m: at risk
            queued("d", Duration.ofHours(5))); // four ahead: starts at 60m, limit 4h: fine

    List<BacklogWatch.AtRisk> risks = watch.check(queue, 1, NOW);

    assertThat(risks).extracting(r -> r.request().requestId()).containsExactly("c");
    assertThat(risks.get(0).estimatedStart()).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
    assertThat(watch.atRiskCount()).isEqualTo(1);
  }

  @Test
  void warnsOncePerRequestButKeepsCountingIt() {
    BacklogWatch watch = new BacklogWatch(Duration.ofHours(1), 1);
    List<BacklogWatch.Queued> queue = List.of(queued("a", Duration.ofMinutes(30)));

    assertThat(watch.check(queue, 0, NOW)).hasSize(1);
    assertThat(watch.check(queue, 0, NOW.plusSeconds(1))).isEmpty();
    assertThat(watch.atRiskCount()).isEqualTo(1);

    assertThat(watch.check(List.of(), 1, NOW.plusSeconds(2))).isEmpty();
    assertThat(watch.atRiskCount()).isZero();
  }

  @Test
  void withoutAnyDurationOnlyRequestsAlreadyInsideTheMarginAreAtRisk() {
    BacklogWatch watch = new BacklogWatch(Duration.ofHours(1), 1);
    List<BacklogWatch.Queued> queue =
        List.of(queued("far", Duration.ofHours(3)), queued("near", Duration.ofMinutes(59)));

    assertThat(watch.check(queue, 10, NOW))
        .extracting(r -> r.request().requestId())
        .containsExactly("near");
  }

  @Test
  void theAverageFollowsRecentDurations() {
    BacklogWatch watch = new BacklogWatch(Duration.ZERO, 1);
    assertThat(watch.averageDuration()).isZero();
    watch.recordDuration(Duration.ofSeconds(10));
    assertThat(watch.averageDuration()).isEqualTo(Duration.ofSeconds(10));
    watch.recordDuration(Duration.ofSeconds(20));
    assertThat(watch.averageDuration()).isEqualTo(Duration.ofSeconds(12));
  }
}
