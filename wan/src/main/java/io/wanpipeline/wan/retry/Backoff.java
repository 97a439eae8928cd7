package io.wanpipeline.wan.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with "equal jitter": attempt {@code n} waits between half and all of
 * {@code min(max, initial * 2^(n-1))}. A pure function of the attempt number and the injected
 * random source; callers store {@code now + delay} and never sleep.
 *
 * @param initial the un-jittered delay of the first retry, positive
 * @param max the cap of the un-jittered delay, at least {@code initial}
 * @param random the jitter source (a seeded {@code new Random(seed)} in tests)
 */
public record Backoff(Duration initial, Duration max, RandomGenerator random) {
  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    Objects.requireNonNull(random, "random");
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive, got " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "max backoff " + max + " is shorter than the initial backoff " + initial);
    }
  }

  /**
   * The delay before retry number {@code attempt} (1 for the first retry): between half and all of
   * the capped exponential delay, uniformly.
   */
  public Duration delay(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
    }
    long capMillis = max.toMillis();
    long exp = initial.toMillis();
    for (int i = 1; i < attempt && exp < capMillis; i++) {
      exp = Math.min(capMillis, exp * 2);
    }
    exp = Math.min(capMillis, exp);
    long half = exp / 2;
    return Duration.ofMillis(half + random.nextLong(exp - half + 1));
  }

  /**
   * The delay before retry number {@code attempt} when the provider sent a {@code Retry-After}
   * hint: never less than the hint (plus up to 10% jitter, so many waiters do not return together),
   * and never less than {@link #delay(int)}'s lower half.
   *
   * @param retryAfter the provider's hint, or null when there was none
   */
  public Duration delay(int attempt, Duration retryAfter) {
    Duration own = delay(attempt);
    if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
      return own;
    }
    long hint = retryAfter.toMillis();
    Duration hinted = Duration.ofMillis(hint + random.nextLong(hint / 10 + 1));
    return hinted.compareTo(own) >= 0 ? hinted : own;
  }
}
