package io.wanpipeline.wan.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff =
      new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(42));

  @Test
  void doublesTheDelayPerAttemptWithinEqualJitter() {
    for (int i = 0; i < 200; i++) {
      assertThat(backoff.delay(1)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
      assertThat(backoff.delay(2)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(backoff.delay(4)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
    }
  }

  @Test
  void everyAttemptWaitsBetweenHalfAndAllOfItsCappedDelay() {
    long[] caps = {1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000};
    for (int attempt = 1; attempt <= caps.length; attempt++) {
      long cap = caps[attempt - 1];
      for (int i = 0; i < 200; i++) {
        long d = backoff.delay(attempt).toMillis();
        assertThat(d).as("attempt %d", attempt).isBetween(cap / 2, cap);
      }
    }
  }

  @Test
  void capsTheDelayEvenForHugeAttemptNumbers() {
    for (int attempt : new int[] {6, 7, 50, Integer.MAX_VALUE}) {
      assertThat(backoff.delay(attempt)).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
    }
  }

  @Test
  void jitterSpreadsTheDelays() {
    long distinct =
        java.util.stream.IntStream.range(0, 50).mapToObj(i -> backoff.delay(3)).distinct().count();
    assertThat(distinct).as("jittered delays differ").isGreaterThan(10);
  }

  @Test
  void sameSeedGivesSameDelays() {
    Backoff a = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(7));
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(7));
    for (int i = 1; i < 10; i++) {
      assertThat(a.delay(i)).isEqualTo(b.delay(i));
    }
  }

  @Test
  void neverRetriesBeforeTheProvidersRetryAfter() {
    for (int i = 0; i < 200; i++) {
      assertThat(backoff.delay(1, Duration.ofSeconds(20)))
          .isBetween(Duration.ofSeconds(20), Duration.ofSeconds(22));
    }
  }

  @Test
  void aShortRetryAfterDoesNotShortenTheOwnBackoff() {
    for (int i = 0; i < 200; i++) {
      assertThat(backoff.delay(5, Duration.ofMillis(100)))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(8));
    }
  }

  @Test
  void withoutHintFallsBackToTheOwnBackoff() {
    assertThat(backoff.delay(1, null)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> backoff.delay(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new Random()))
        .hasMessageContaining("positive");
    assertThatThrownBy(
            () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new Random()))
        .hasMessageContaining("shorter");
  }
}
