package io.wanpipeline.wan.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.retry.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @Test
  void readsDelaySeconds() {
    assertThat(RetryAfter.parse("7", clock)).contains(Duration.ofSeconds(7));
    assertThat(RetryAfter.parse(" 0 ", clock)).contains(Duration.ZERO);
  }

  @Test
  void readsHttpDateAgainstTheClock() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:00:30 GMT", clock))
        .contains(Duration.ofSeconds(30));
    assertThat(RetryAfter.parse("Wed, 31 Dec 2025 23:00:00 GMT", clock))
        .as("a date in the past means no wait")
        .contains(Duration.ZERO);
  }

  @Test
  void ignoresGarbage() {
    assertThat(RetryAfter.parse(null, clock)).isEmpty();
    assertThat(RetryAfter.parse("", clock)).isEmpty();
    assertThat(RetryAfter.parse("soon", clock)).isEmpty();
    assertThat(RetryAfter.parse("-5", clock)).isEmpty();
  }

  /**
   * Found by the provider-answer fuzz tests: a delay that does not fit in a long of milliseconds
   * made Backoff.delay (submitter, poller, archiver) throw ArithmeticException.
   */
  @Test
  void capsHugeDelaysSoEveryConsumerCanUseThem() {
    Backoff backoff =
        new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), new SplittableRandom(1));
    for (String header :
        List.of("9223372036854775807", "99999999999999", "Fri, 31 Dec 9999 23:59:59 GMT")) {
      Duration hint = RetryAfter.parse(header, clock).orElseThrow();
      assertThat(hint).as(header).isEqualTo(RetryAfter.MAX);
      Duration delay = backoff.delay(3, hint);
      assertThat(clock.instant().plus(delay).toEpochMilli()).as(header).isPositive();
    }
    assertThat(RetryAfter.parse("86399", clock)).contains(Duration.ofSeconds(86399));
  }
}
