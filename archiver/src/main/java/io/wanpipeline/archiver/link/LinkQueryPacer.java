package io.wanpipeline.archiver.link;

import io.wanpipeline.wan.rate.CallLimiter;
import io.wanpipeline.wan.rate.RateWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * This archiver's share of each provider account's task-query budget (the provider allows 20
 * queries a second per account, shared with the pollers and the submitters), enforced like the
 * pollers' by a {@link CallLimiter} per account ({@link RateWindow}: at most {@code floor(rate)}
 * link queries in any second plus {@link #MARGIN}, below one a second one per {@code ceil(1 /
 * rate)} seconds), where {@code rate} is read at each call (it follows the partitions this instance
 * owns; zero allows none). A query counts from its start until a window after its answer. It never
 * waits: a refused query is told how long to wait. Thread-safe; time is passed in.
 */
public final class LinkQueryPacer {
  /** Added to the window, for the provider's clock and the network. */
  public static final Duration MARGIN = Duration.ofMillis(50);

  private static final Duration RETRY_WITHOUT_SHARE = Duration.ofSeconds(1);

  private final ToDoubleFunction<String> rates;
  private final Map<String, Account> accounts = new HashMap<>();

  /**
   * @param rates link queries per second an account may have now, at least zero
   */
  public LinkQueryPacer(ToDoubleFunction<String> rates) {
    this.rates = rates;
  }

  /**
   * Starts a query of {@code account} at {@code now} if the budget allows it (then {@link #finish}
   * or {@link #release} must follow), else says how long to wait before asking again.
   */
  public synchronized Optional<Duration> tryStart(String account, Instant now) {
    double perSecond = rates.applyAsDouble(account);
    if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
      return Optional.of(RETRY_WITHOUT_SHARE);
    }
    RateWindow window = RateWindow.of(perSecond, MARGIN);
    Account a = accounts.computeIfAbsent(account, k -> new Account());
    Optional<CallLimiter.Permit> permit = a.calls.tryAcquire(now, window);
    if (permit.isPresent()) {
      a.inFlight.addLast(permit.get());
      return Optional.empty();
    }
    // While queries are in flight this is the earliest they could free the window.
    Duration wait = Duration.between(now, a.calls.nextFree(now, window));
    return Optional.of(wait.isNegative() || wait.isZero() ? Duration.ofMillis(1) : wait);
  }

  /** Ends a query of {@code account} started by {@link #tryStart}, answered at {@code now}. */
  public synchronized void finish(String account, Instant now) {
    inFlight(account).answered(now);
  }

  /** Gives back a query of {@code account} started by {@link #tryStart} but not made. */
  public synchronized void release(String account) {
    inFlight(account).release();
  }

  /** One of {@code account}'s queries in flight (they are alike until answered). */
  private CallLimiter.Permit inFlight(String account) {
    Account a = accounts.get(account);
    if (a == null || a.inFlight.isEmpty()) {
      throw new IllegalStateException("no query of " + account + " in flight");
    }
    return a.inFlight.removeFirst();
  }

  private static final class Account {
    final CallLimiter calls = new CallLimiter();
    final Deque<CallLimiter.Permit> inFlight = new ArrayDeque<>();
  }
}
