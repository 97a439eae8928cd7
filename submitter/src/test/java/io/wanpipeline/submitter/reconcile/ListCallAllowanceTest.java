package io.wanpipeline.submitter.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
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

  private static boolean list(ListCallAllowance allowance, String account) {
    return allowance.tryCall(account, () -> "page").isPresent();
  }

  @Test
  void allowsOneCallASecondByDefaultCountedFromItsAnswer() {
    HandClock clock = new HandClock();
    ListCallAllowance allowance = new ListCallAllowance(clock, 1.0, 1);
    assertThat(
            allowance.tryCall(
                "a",
                () -> {
                  clock.advance(Duration.ofMillis(700)); // a slow list page
                  return "page";
                }))
        .contains("page");
    clock.advance(Duration.ofMillis(999));
    assertThat(list(allowance, "a")).as("999 ms after the answer").isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(list(allowance, "a")).isTrue();
  }

  @Test
  void neverMoreThanTheWindowAllowsWhereABucketWouldHaveBurst() {
    HandClock clock = new HandClock();
    ListCallAllowance allowance = new ListCallAllowance(clock, 2.0, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(list(allowance, "a")).isTrue();
    }
    assertThat(list(allowance, "a")).isFalse();
    clock.advance(Duration.ofMillis(1499));
    assertThat(list(allowance, "a")).as("3 in any 1.5 s").isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(list(allowance, "a")).isTrue();
  }

  @Test
  void aRefusedCallIsNotMade() {
    HandClock clock = new HandClock();
    ListCallAllowance allowance = new ListCallAllowance(clock, 1.0, 1);
    assertThat(list(allowance, "a")).isTrue();
    Optional<String> refused =
        allowance.tryCall(
            "a",
            () -> {
              throw new AssertionError("called without room");
            });
    assertThat(refused).isEmpty();
  }

  @Test
  void aCallThatThrowsStillCountsFromWhenItFailed() {
    HandClock clock = new HandClock();
    ListCallAllowance allowance = new ListCallAllowance(clock, 1.0, 1);
    assertThatThrownBy(
            () ->
                allowance.tryCall(
                    "a",
                    () -> {
                      clock.advance(Duration.ofSeconds(30));
                      throw new IllegalStateException("reset");
                    }))
        .isInstanceOf(IllegalStateException.class);
    clock.advance(Duration.ofMillis(999));
    assertThat(list(allowance, "a")).isFalse();
    clock.advance(Duration.ofMillis(1));
    assertThat(list(allowance, "a")).isTrue();
  }

  @Test
  void accountsHaveSeparateAllowances() {
    HandClock clock = new HandClock();
    ListCallAllowance allowance = new ListCallAllowance(clock, 1.0, 1);
    assertThat(list(allowance, "a")).isTrue();
    assertThat(list(allowance, "a")).isFalse();
    assertThat(list(allowance, "b")).isTrue();
  }
}
