package io.wanpipeline.submitter.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A token bucket per provider account for the list calls of reconciliation, so that they take a
 * small, bounded share of the account's query budget (20 calls per second per root account,
 * docs/protocol.md 1.9) and leave the rest to the poller. It never waits: a call it refuses is not
 * made. Thread-safe.
 */
public final class ListCallAllowance {
  private final Clock clock;
  private final double perSecond;
  private final int burst;
  private final Map<String, Bucket> buckets = new HashMap<>();

  /**
   * @param clock the time source
   * @param perSecond list calls per second refilled per account, above zero
   * @param burst the most calls an idle account may make at once, at least one
   */
  public ListCallAllowance(Clock clock, double perSecond, int burst) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException("perSecond must be positive and finite: " + perSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1: " + burst);
    }
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /** Takes one call of {@code account}'s allowance; false when none is left right now. */
  public synchronized boolean tryTake(String account) {
    Instant now = clock.instant();
    Bucket b = buckets.computeIfAbsent(account, a -> new Bucket(burst, now));
    double elapsed = Math.max(0, Duration.between(b.at, now).toNanos()) / 1e9;
    b.tokens = Math.min(burst, b.tokens + elapsed * perSecond);
    b.at = now.isAfter(b.at) ? now : b.at;
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  private static final class Bucket {
    double tokens;
    Instant at;

    Bucket(double tokens, Instant at) {
      this.tokens = tokens;
      this.at = at;
    }
  }
}
