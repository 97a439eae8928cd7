package io.wanpipeline.poller;

import io.wanpipeline.wan.account.AccountLimits;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.rate.CallLimiter;
import io.wanpipeline.wan.rate.RateWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's budget of provider task calls (query, cancel, list) per provider account, shared
 * by all stream tasks of the instance.
 *
 * <p>The instance may make {@code rate x share} calls a second for an account: {@code rate} is the
 * account's {@code provider.<name>.query-rate}, {@code share} the fraction of the source topic's
 * partitions this instance owns ({@link PartitionShare}), so that the instances together never
 * exceed the account's rate; the optional per-instance cap {@code poller.query-rate} lowers it
 * further. The rate is enforced by a {@link CallLimiter} per account: at most {@code floor(rate x
 * share)} calls in any window of one second plus {@code margin}, each call counted from the moment
 * it is taken (waiting for a call thread, then in flight) until a window after its answer arrived,
 * since the provider may have received it as late as that: a busy machine or network that delays
 * some calls cannot pile two windows' calls into one second at the provider ({@link
 * CallLimiter.Permit#answered}). A rate below one call a second allows one call per {@code ceil(1 /
 * rate)} seconds. A throttled call (429) or a provider failure (5xx) halves the account's rate,
 * which then doubles back every {@link #RECOVERY_DOUBLING} up to the full rate; a Retry-After
 * pauses the account's calls of this instance for that long (at most {@link #MAX_PAUSE}). A call
 * that does not fit waits for a later punctuation; nothing is dropped. Thread-safe.
 */
public final class QueryBudget {
  /** Default margin added to the one-second window. */
  public static final Duration DEFAULT_MARGIN = Duration.ofMillis(50);

  /** After a slow-down, the account's rate doubles back every this long. */
  public static final Duration RECOVERY_DOUBLING = Duration.ofSeconds(10);

  /** The lowest fraction of its rate a slowed-down account keeps. */
  public static final double MIN_FACTOR = 1.0 / 16;

  /** The longest pause a Retry-After imposes on an account. */
  public static final Duration MAX_PAUSE = Duration.ofSeconds(60);

  private final ProviderAccounts accounts;
  private final OptionalDouble instanceCap;
  private final PartitionShare share;
  private final Duration margin;
  private final Map<String, AccountState> states = new HashMap<>();
  private final Map<String, Double> accountRates = new ConcurrentHashMap<>();

  /** A budget for an instance that owns every partition, with {@link #DEFAULT_MARGIN}. */
  public QueryBudget(ProviderAccounts accounts, OptionalDouble instanceCap) {
    this(accounts, instanceCap, PartitionShare.whole(), DEFAULT_MARGIN);
  }

  /**
   * @param accounts the accounts whose query rates apply
   * @param instanceCap calls per second per account this instance may make at most, if capped
   * @param share this instance's share of each account's rate
   * @param margin added to the one-second window, zero or more
   */
  public QueryBudget(
      ProviderAccounts accounts,
      OptionalDouble instanceCap,
      PartitionShare share,
      Duration margin) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.instanceCap = Objects.requireNonNull(instanceCap, "instanceCap");
    this.share = Objects.requireNonNull(share, "share");
    this.margin = Objects.requireNonNull(margin, "margin");
    if (instanceCap.isPresent() && !(instanceCap.getAsDouble() > 0)) {
      throw new IllegalArgumentException(
          "query rate cap must be positive, got " + instanceCap.getAsDouble());
    }
    if (margin.isNegative()) {
      throw new IllegalArgumentException("margin must not be negative, got " + margin);
    }
  }

  /**
   * The part of the account's query rate the pollers share ({@link AccountLimits#pollRate()}: the
   * rate less the submitters' reconciliation reserve); the protocol default's for an account that
   * is not configured.
   */
  public double accountRate(String account) {
    return accountRates.computeIfAbsent(String.valueOf(account), this::configuredRate);
  }

  private double configuredRate(String account) {
    return accounts.all().stream()
        .filter(a -> a.name().equals(account))
        .findFirst()
        .map(ProviderAccount::limits)
        .orElseGet(
            () ->
                new AccountLimits(
                    AccountLimits.DEFAULT_QUERY_RATE, Map.of(), AccountLimits.UNKNOWN_MODEL))
        .pollRate();
  }

  /**
   * Calls per second this instance may make for {@code account} when not slowed down: the account's
   * rate times this instance's share, at most the instance cap.
   */
  public double rateOf(String account) {
    return shareOf(accountRate(account), share.fraction(), instanceCap);
  }

  /**
   * The arithmetic of {@link #rateOf}: {@code rate x fraction}, at most {@code cap} when present.
   */
  public static double shareOf(double rate, double fraction, OptionalDouble cap) {
    double mine = rate * fraction;
    return cap.isPresent() ? Math.min(mine, cap.getAsDouble()) : mine;
  }

  /** Calls per second this instance may make for {@code account} at {@code now}. */
  public synchronized double callsPerSecond(String account, Instant now) {
    AccountState s = state(account);
    RateWindow w = window(account, s, now);
    return w == null ? 0 : w.perSecond();
  }

  /** Calls this instance may still make for {@code account} at {@code now}. */
  public synchronized int available(String account, Instant now) {
    AccountState s = state(account);
    RateWindow w = window(account, s, now);
    if (w == null) {
      return 0;
    }
    return s.calls.available(now, w);
  }

  /**
   * Permits of {@code account} held at {@code now}: calls granted and in flight, or answered less
   * than a window ago. While the account is paused, the calls in flight.
   */
  public synchronized int held(String account, Instant now) {
    AccountState s = state(account);
    RateWindow w = window(account, s, now);
    return w == null ? s.calls.inFlight() : s.calls.held(now, w.span());
  }

  /** Permits {@code account}'s window allows at {@code now}; 0 while it is paused. */
  public synchronized int limit(String account, Instant now) {
    RateWindow w = window(account, state(account), now);
    return w == null ? 0 : w.limit();
  }

  /**
   * Takes one call of {@code account}'s budget at {@code now}; null when there is none. The caller
   * answers the permit when the call's answer (or failure) arrives, or releases it if the call is
   * not made: until then the call holds its place in the window.
   */
  public synchronized CallLimiter.Permit take(String account, Instant now) {
    AccountState s = state(account);
    RateWindow w = window(account, s, now);
    if (w == null) {
      return null;
    }
    return s.calls.tryAcquire(now, w).orElse(null);
  }

  /**
   * A call of {@code account} was throttled or failed at the provider at {@code now}: halve the
   * account's rate (once a second at most) and pause it for {@code retryAfter} if given.
   */
  public synchronized void slowDown(String account, Instant now, Duration retryAfter) {
    AccountState s = state(account);
    if (s.cutAt == null || !now.isBefore(s.cutAt.plusSeconds(1))) {
      s.factorAtCut = Math.max(MIN_FACTOR, s.factor(now) / 2);
      s.cutAt = now;
    }
    if (retryAfter != null && !retryAfter.isNegative() && !retryAfter.isZero()) {
      Duration pause = retryAfter.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : retryAfter;
      Instant until = now.plus(pause);
      if (until.isAfter(s.pausedUntil)) {
        s.pausedUntil = until;
      }
    }
  }

  /** The fraction of its rate {@code account} may use at {@code now}, 1 unless slowed down. */
  public synchronized double slowDownFactor(String account, Instant now) {
    return state(account).factor(now);
  }

  /**
   * The window in force for {@code account} at {@code now}; null while the account is paused or
   * this instance's share of it is nothing (a share just taken over is held at nothing).
   */
  private RateWindow window(String account, AccountState s, Instant now) {
    double rate = now.isBefore(s.pausedUntil) ? 0 : rateOf(account) * s.factor(now);
    return rate > 0 ? RateWindow.of(rate, margin) : null;
  }

  private AccountState state(String account) {
    return states.computeIfAbsent(String.valueOf(account), a -> new AccountState());
  }

  private static final class AccountState {
    final CallLimiter calls = new CallLimiter();
    Instant pausedUntil = Instant.MIN;
    Instant cutAt;
    double factorAtCut = 1;

    double factor(Instant now) {
      if (cutAt == null) {
        return 1;
      }
      double doublings =
          Math.max(0, Duration.between(cutAt, now).toMillis())
              / (double) RECOVERY_DOUBLING.toMillis();
      return Math.min(1, factorAtCut * Math.pow(2, doublings));
    }
  }
}
