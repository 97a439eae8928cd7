package io.wanpipeline.archiver.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff =
      new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(42));

  @Test
  void doublesFromTheInitialDelayWithinTheUpperHalfAndStopsAtTheCap() {
    long[] caps = {1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000};
    for (int attempt = 1; attempt <= caps.length; attempt++) {
      long cap = caps[attempt - 1];
      for (int i = 0; i < 200; i++) {
        long d = backoff.delay(attempt).toMillis();
        assertThat(d).as("attempt %d", attempt).isBetween(cap / 2, cap);
      }
    }
    assertThat(backoff.delay(10_000).toMillis()).isBetween(15_000L, 30_000L);
  }

  @Test
  void sameSeedGivesTheSameDelays() {
    Backoff a = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), new Random(7));
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), new Random(7));
    for (int attempt = 1; attempt < 10; attempt++) {
      assertThat(a.delay(attempt)).isEqualTo(b.delay(attempt));
    }
  }

  @Test
  void serverHintWinsWhenLonger() {
    assertThat(backoff.delay(1, Duration.ofSeconds(20))).isEqualTo(Duration.ofSeconds(20));
    assertThat(backoff.delay(1, Duration.ofMillis(1)).toMillis()).isBetween(500L, 1_000L);
    assertThat(backoff.delay(1, null).toMillis()).isBetween(500L, 1_000L);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> backoff.delay(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new Random()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new Random()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
