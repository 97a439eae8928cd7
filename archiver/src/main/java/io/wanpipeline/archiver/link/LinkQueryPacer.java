package io.wanpipeline.archiver.link;

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
 * queries a second per account, shared with the pollers and the submitters): at most {@code
 * floor(rate)} link queries per account in any window of one second plus {@link #MARGIN}, where
 * {@code rate} is read at each call (it follows the partitions this instance owns). Each query is
 * counted while it is in flight and then from the moment its answer arrived, so that calls the
 * machine or the network delayed cannot pile two windows' calls into one second at the provider. A
 * rate below one query a second allows one per {@code 1 / rate} seconds; a rate of zero (no
 * partitions owned) allows none. It never waits: a refused query is told how long to wait.
 * Thread-safe; time is passed in.
 */
public final class LinkQueryPacer {
  /** Added to the window, for the provider's clock and the network. */
  public static final Duration MARGIN = Duration.ofMillis(50);

  private static final Duration RETRY_WHILE_IN_FLIGHT = Duration.ofMillis(100);
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
   * must follow), else says how long to wait before asking again.
   */
  public synchronized Optional<Duration> tryStart(String account, Instant now) {
    double perSecond = rates.applyAsDouble(account);
    if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
      return Optional.of(RETRY_WITHOUT_SHARE);
    }
    int limit = (int) Math.max(1, Math.floor(perSecond));
    Duration window =
        Duration.ofMillis(perSecond >= 1 ? 1000 : (long) Math.ceil(1000 / perSecond)).plus(MARGIN);
    Account a = accounts.computeIfAbsent(account, k -> new Account());
    while (!a.answered.isEmpty() && !a.answered.peekFirst().plus(window).isAfter(now)) {
      a.answered.removeFirst();
    }
    if (a.inFlight + a.answered.size() < limit) {
      a.inFlight++;
      return Optional.empty();
    }
    if (a.answered.isEmpty()) {
      return Optional.of(RETRY_WHILE_IN_FLIGHT);
    }
    Duration wait = Duration.between(now, a.answered.peekFirst().plus(window));
    return Optional.of(wait.isNegative() || wait.isZero() ? Duration.ofMillis(1) : wait);
  }

  /** Ends a query of {@code account} started by {@link #tryStart}, answered at {@code now}. */
  public synchronized void finish(String account, Instant now) {
    Account a = accounts.get(account);
    if (a == null || a.inFlight == 0) {
      throw new IllegalStateException("no query of " + account + " in flight");
    }
    a.inFlight--;
    a.answered.addLast(now);
  }

  /** Gives back a query of {@code account} started by {@link #tryStart} but not made. */
  public synchronized void release(String account) {
    Account a = accounts.get(account);
    if (a == null || a.inFlight == 0) {
      throw new IllegalStateException("no query of " + account + " in flight");
    }
    a.inFlight--;
  }

  private static final class Account {
    int inFlight;
    final Deque<Instant> answered = new ArrayDeque<>();
  }
}
