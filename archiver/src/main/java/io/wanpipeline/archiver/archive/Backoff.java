package io.wanpipeline.archiver.archive;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Delay before a retry: exponential from {@code initial}, capped at {@code max}, with "equal
 * jitter" (a uniformly random point in the upper half of the capped delay). Pure: the randomness is
 * injected and nothing waits here; the caller schedules the retry.
 *
 * @param initial delay before the second attempt (before jitter)
 * @param max largest delay
 * @param random source of jitter
 */
public record Backoff(Duration initial, Duration max, RandomGenerator random) {
  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    Objects.requireNonNull(random, "random");
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + ", " + max);
    }
  }

  /**
   * The delay after failed attempt number {@code attempt} (1 for the first attempt).
   *
   * @throws IllegalArgumentException if {@code attempt < 1}
   */
  public Duration delay(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
    }
    long capMillis = max.toMillis();
    long millis = initial.toMillis();
    for (int i = 1; i < attempt && millis < capMillis; i++) {
      millis = Math.min(capMillis, millis * 2);
    }
    millis = Math.min(millis, capMillis);
    long half = millis / 2;
    return Duration.ofMillis(millis - half + random.nextLong(half + 1));
  }

  /** The delay after {@code attempt}, but at least {@code hint} when the server gave one. */
  public Duration delay(int attempt, Duration hint) {
    Duration d = delay(attempt);
    return hint != null && hint.compareTo(d) > 0 ? hint : d;
  }
}
