package io.wanpipeline.submitter.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ListCallAllowanceTest {

  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    private Instant now = Instant.parse("2026-03-01T10:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void allowsTheBurstThenRefillsAtTheRate() {
    HandClock clock = new HandClock();
    ListCallAllowance allowance = new ListCallAllowance(clock, 2.0, 3);
    assertThat(allowance.tryTake("a")).isTrue();
    assertThat(allowance.tryTake("a")).isTrue();
    assertThat(allowance.tryTake("a")).isTrue();
    assertThat(allowance.tryTake("a")).isFalse();
    clock.advance(Duration.ofMillis(499));
    assertThat(allowance.tryTake("a")).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(allowance.tryTake("a")).isTrue();
    assertThat(allowance.tryTake("a")).isFalse();
    clock.advance(Duration.ofMinutes(1));
    for (int i = 0; i < 3; i++) {
      assertThat(allowance.tryTake("a")).isTrue();
    }
    assertThat(allowance.tryTake("a")).isFalse();
  }

  @Test
  void accountsHaveSeparateAllowances() {
    HandClock clock = new HandClock();
    ListCallAllowance allowance = new ListCallAllowance(clock, 1.0, 1);
    assertThat(allowance.tryTake("a")).isTrue();
    assertThat(allowance.tryTake("a")).isFalse();
    assertThat(allowance.tryTake("b")).isTrue();
  }
}
