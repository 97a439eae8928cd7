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

  /** Admits a call at {@code now} answered at once, as a quick refusal or acceptance would be. */
  private static boolean quickCall(SubmitRateLimiter limiter, Instant now) {
    if (!limiter.tryAcquire(now)) {
      return false;
    }
    limiter.answered(now);
    return true;
  }

  @Test
  void admitsTheRateInOneSecondThenWaitsForTheOldestToLeaveTheWindow() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(2);
    assertThat(quickCall(limiter, T0)).isTrue();
    assertThat(quickCall(limiter, T0.plusMillis(100))).isTrue();
    assertThat(limiter.tryAcquire(T0.plusMillis(500))).isFalse();
    assertThat(limiter.nextFree(T0.plusMillis(500))).isEqualTo(T0.plusSeconds(1));
    assertThat(limiter.tryAcquire(T0.plusMillis(999))).isFalse();
    assertThat(quickCall(limiter, T0.plusMillis(1000))).isTrue();
    assertThat(limiter.tryAcquire(T0.plusMillis(1050))).isFalse();
    assertThat(quickCall(limiter, T0.plusMillis(1100))).isTrue();
  }

  @Test
  void aCreateCallCountsUntilItsAnswerNotFromItsAdmission() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(1);
    assertThat(limiter.tryAcquire(T0)).isTrue();
    assertThat(limiter.tryAcquire(T0.plusSeconds(5)))
        .as("a create call still waiting for its answer 5 s later")
        .isFalse();
    assertThat(limiter.nextFree(T0.plusSeconds(5)))
        .as("at the earliest a window after an answer now")
        .isEqualTo(T0.plusSeconds(6));
    limiter.answered(T0.plusSeconds(30)); // a timeout: the provider may have it as late as this
    assertThat(limiter.tryAcquire(T0.plusMillis(30_999))).isFalse();
    assertThat(limiter.tryAcquire(T0.plusSeconds(31))).isTrue();
  }

  @Test
  void anAnswerWithoutACallInFlightIsABug() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(1);
    assertThatThrownBy(() -> limiter.answered(T0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void neverAdmitsMoreThanTheRateInAnySlidingSecond() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(3);
    List<Instant> admitted = new ArrayList<>();
    for (int ms = 0; ms < 10_000; ms += 7) {
      Instant now = T0.plusMillis(ms);
      if (quickCall(limiter, now)) {
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
    assertThat(quickCall(limiter, T0)).isTrue();
    assertThat(limiter.tryAcquire(T0.plusMillis(1999))).isFalse();
    assertThat(limiter.tryAcquire(T0.plusSeconds(2))).isTrue();
  }

  @Test
  void aFractionalRateRoundsDown() {
    SubmitRateLimiter limiter = new SubmitRateLimiter(2.5);
    assertThat(limiter.permits()).isEqualTo(2);
    assertThat(limiter.window()).isEqualTo(Duration.ofSeconds(1));
    SubmitRateLimiter third = new SubmitRateLimiter(0.3);
    assertThat(third.permits()).isEqualTo(1);
    assertThat(third.window())
        .as("one call in any 1/0.3 s, not rounded to whole seconds")
        .isEqualTo(Duration.ofNanos(3_333_333_334L));
  }

  @Test
  void refusesANonPositiveRate() {
    assertThatThrownBy(() -> new SubmitRateLimiter(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
