package io.wanpipeline.submitter.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubmitRateLimiterTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void admitsTheRateInOneSecondThenWaitsForTheOldestToLeaveTheWindow() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(2);
    assertThat(limiter.tryAcquire(T0)).isTrue();
    assertThat(limiter.tryAcquire(T0.plusMillis(100))).isTrue();
    assertThat(limiter.tryAcquire(T0.plusMillis(500))).isFalse();
    assertThat(limiter.nextFree(T0.plusMillis(500))).isEqualTo(T0.plusSeconds(1));
    assertThat(limiter.tryAcquire(T0.plusMillis(999))).isFalse();
    assertThat(limiter.tryAcquire(T0.plusMillis(1000))).isTrue();
    assertThat(limiter.tryAcquire(T0.plusMillis(1050))).isFalse();
    assertThat(limiter.tryAcquire(T0.plusMillis(1100))).isTrue();
  }

  @Test
  void neverAdmitsMoreThanTheRateInAnySlidingSecond() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(3);
    List<Instant> admitted = new ArrayList<>();
    for (int ms = 0; ms < 10_000; ms += 7) {
      Instant now = T0.plusMillis(ms);
      if (limiter.tryAcquire(now)) {
        admitted.add(now);
      }
    }
    for (int i = 0; i + 3 < admitted.size(); i++) {
      assertThat(Duration.between(admitted.get(i), admitted.get(i + 3)))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
    assertThat(admitted).hasSizeBetween(29, 31);
  }

  @Test
  void aRateUnderOnePerSecondWidensTheWindow() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(0.5);
    assertThat(limiter.permits()).isEqualTo(1);
    assertThat(limiter.window()).isEqualTo(Duration.ofSeconds(2));
    assertThat(limiter.tryAcquire(T0)).isTrue();
    assertThat(limiter.tryAcquire(T0.plusMillis(1999))).isFalse();
    assertThat(limiter.tryAcquire(T0.plusSeconds(2))).isTrue();
  }

  @Test
  void aFractionalRateRoundsDown() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(2.5);
    assertThat(limiter.permits()).isEqualTo(2);
    assertThat(limiter.window()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void refusesANonPositiveRate() {
    assertThatThrownBy(() -> new SubmitRateLimiter(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
