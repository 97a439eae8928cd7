package io.wanpipeline.wan.http;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110 10.2.3): either delay-seconds or an HTTP-date,
 * the latter measured against an injected clock.
 */
public final class RetryAfter {

  /**
   * The longest delay taken from a header: 24 hours, as long as the provider keeps a task's result
   * (waiting longer could only lose it). Longer values are read as this one, so that no consumer of
   * the delay (backoff in milliseconds, {@code Instant} arithmetic) overflows.
   */
  public static final Duration MAX = Duration.ofHours(24);

  private RetryAfter() {}

  /**
   * The delay the server asked for, never negative and at most {@link #MAX}; empty when the header
   * is absent or unreadable.
   *
   * @param header the raw header value, or null
   * @param clock the clock an HTTP-date is compared with
   */
  public static Optional<Duration> parse(String header, Clock clock) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String value = header.trim();
    if (value.chars().allMatch(Character::isDigit)) {
      try {
        return Optional.of(capped(Duration.ofSeconds(Long.parseLong(value))));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration delay = Duration.between(clock.instant(), at);
      return Optional.of(delay.isNegative() ? Duration.ZERO : capped(delay));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  private static Duration capped(Duration delay) {
    return delay.compareTo(MAX) > 0 ? MAX : delay;
  }
}
