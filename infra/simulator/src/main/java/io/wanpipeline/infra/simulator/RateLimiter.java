package io.wanpipeline.infra.simulator;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/** Sliding one-second windows per key, like the provider's RPS and QPS limits. */
final class RateLimiter {
  private final Map<String, ArrayDeque<Instant>> windows = new HashMap<>();

  /** Counts a call at {@code now}; false (not counted) when the window already holds the limit. */
  synchronized boolean tryAcquire(String key, int perSecond, Instant now) {
    ArrayDeque<Instant> w = windows.computeIfAbsent(key, k -> new ArrayDeque<>());
    Instant from = now.minusSeconds(1);
    while (!w.isEmpty() && !w.peekFirst().isAfter(from)) {
      w.pollFirst();
    }
    if (w.size() >= perSecond) {
      return false;
    }
    w.addLast(now);
    return true;
  }
}
