package io.wanpipeline.submitter.reconcile;

import io.wanpipeline.wan.rate.CallLimiter;
import io.wanpipeline.wan.rate.RateWindow;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The list calls of in-doubt reconciliation per provider account, so that they take a small,
 * bounded share of the account's query budget (20 calls per second per root account,
 * docs/protocol.md 1.9) and leave the rest to the poller: at most {@code perWindow} calls in any
 * window of {@code perWindow / perSecond} seconds, each counted from its start until a window after
 * its answer ({@link CallLimiter}). With one a second and one per window (the default): one list
 * call in any second. It never waits: a call it refuses is not made. Thread-safe.
 */
public final class ListCallAllowance {
  private final Clock clock;
  private final RateWindow window;
  private final Map<String, CallLimiter> accounts = new ConcurrentHashMap<>();

  /**
   * @param clock the time source
   * @param perSecond list calls per second per account on average, above zero
   * @param perWindow the most list calls of an account in any window of {@code perWindow /
   *     perSecond} seconds, at least one
   */
  public ListCallAllowance(Clock clock, double perSecond, int perWindow) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException("perSecond must be positive and finite: " + perSecond);
    }
    if (perWindow < 1) {
      throw new IllegalArgumentException("perWindow must be at least 1: " + perWindow);
    }
    this.window =
        new RateWindow(perWindow, Duration.ofNanos((long) Math.ceil(perWindow / perSecond * 1e9)));
  }

  /**
   * Makes {@code call}, a list call of {@code account}, if the allowance has room now, and counts
   * it until a window after it returns or throws; empty, without calling, when there is no room.
   *
   * @param call the list call; its result must not be null
   */
  public <T> Optional<T> tryCall(String account, Supplier<T> call) {
    CallLimiter limiter = accounts.computeIfAbsent(account, a -> new CallLimiter());
    Optional<CallLimiter.Permit> permit = limiter.tryAcquire(clock.instant(), window);
    if (permit.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Objects.requireNonNull(call.get(), "the list call answered null"));
    } finally {
      permit.get().answered(clock.instant());
    }
  }
}
