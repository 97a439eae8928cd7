package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunningTimesTest {
  private final RunningTimes times =
      RunningTimes.around(Duration.ofSeconds(30), Duration.ofSeconds(120));

  @Test
  void aClassHasOneMeanPerSeedWithinTheBoundsAndClassesDiffer() {
    Set<Duration> means = new HashSet<>();
    for (String model : new String[] {"wan2.2-i2v-flash", "wan2.7-t2v", "wan2.6-i2v"}) {
      for (String tier : new String[] {"480P", "720P", "1080P"}) {
        Duration mean = times.classMean(42, model, tier, BigDecimal.valueOf(5));
        assertThat(times.classMean(42, model, tier, new BigDecimal("5.0")))
            .as("the same class")
            .isEqualTo(mean);
        assertThat(mean).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(120));
        means.add(mean);
      }
    }
    assertThat(means).as("nine classes, nine means").hasSizeGreaterThan(6);
    assertThat(times.classMean(7, "wan2.7-t2v", "720P", BigDecimal.TEN))
        .as("another seed draws other means")
        .isNotEqualTo(times.classMean(42, "wan2.7-t2v", "720P", BigDecimal.TEN));
  }

  @Test
  void tasksStrayWithinTheSpreadExceptTheSlowOnesWhichAreAboutTheirShare() {
    Duration mean = Duration.ofSeconds(60);
    Random random = new Random(1);
    int slow = 0;
    int n = 20_000;
    long shortest = Long.MAX_VALUE;
    long longest = 0;
    for (int i = 0; i < n; i++) {
      long ms = times.draw(mean, random).toMillis();
      if (ms > 60_000 * 1.15 + 1) {
        slow++;
        assertThat(ms)
            .as("a slow task")
            .isBetween(Math.round(60_000 * 0.85 * 3), Math.round(60_000 * 1.15 * 3) + 1);
      } else {
        shortest = Math.min(shortest, ms);
        longest = Math.max(longest, ms);
      }
    }
    assertThat(shortest).as("-15%").isBetween(51_000L, 52_000L);
    assertThat(longest).as("+15%").isBetween(68_000L, 69_001L);
    assertThat((double) slow / n).as("one in fifty").isBetween(0.015, 0.025);
  }

  @Test
  void nonsenseIsRefused() {
    assertThatThrownBy(() -> new RunningTimes(Duration.ZERO, Duration.ofSeconds(1), 0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new RunningTimes(Duration.ofSeconds(2), Duration.ofSeconds(1), 0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new RunningTimes(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new RunningTimes(Duration.ofSeconds(1), Duration.ofSeconds(1), 0, 0.5, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
