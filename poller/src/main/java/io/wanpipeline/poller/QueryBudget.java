package io.wanpipeline.poller;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's budget of provider task calls (query, cancel, list) per provider account: a token
 * bucket of {@code ratePerSecond}, shared by all stream tasks of the instance. A call that does not
 * fit waits for a later punctuation; nothing is dropped.
 */
public final class QueryBudget {
  private final double ratePerSecond;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public QueryBudget(double ratePerSecond) {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("query rate must be positive, got " + ratePerSecond);
    }
    this.ratePerSecond = ratePerSecond;
  }

  /** Takes one call of {@code account}'s budget at {@code now}, if there is one. */
  public boolean tryAcquire(String account, Instant now) {
    return buckets
        .computeIfAbsent(account, a -> new TokenBucket(ratePerSecond, Math.max(1, ratePerSecond)))
        .tryAcquire(now);
  }
}
