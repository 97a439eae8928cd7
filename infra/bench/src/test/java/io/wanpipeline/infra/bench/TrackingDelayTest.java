package io.wanpipeline.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TrackingDelayTest {
  @Test
  void sumsTheAccountsAndReadsBackFromTheStatisticsLine() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Timer a = registry.timer("wan.poll.tracking.delay", "account", "a");
    Timer b = registry.timer("wan.poll.tracking.delay", "account", "b");
    a.record(Duration.ofMillis(200));
    TrackingDelay before = TrackingDelay.of(registry);
    a.record(Duration.ofMillis(1_000));
    b.record(Duration.ofMillis(3_000));

    TrackingDelay after = TrackingDelay.parse(TrackingDelay.of(registry).format());

    assertThat(after.count()).isEqualTo(3);
    assertThat(after.totalMillis()).isEqualTo(4_200);
    assertThat(after.maxMillis()).isEqualTo(3_000);
    assertThat(after.since(before))
        .as("mean of the two since, and the max")
        .isEqualTo("2.0 s / 3.0 s");
    assertThat(after.since(after)).as("none tracked since").isEqualTo("-");
    assertThat(TrackingDelay.of(new SimpleMeterRegistry())).isEqualTo(TrackingDelay.NONE);
  }
}
