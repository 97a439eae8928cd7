package io.wanpipeline.poller;

import io.wanpipeline.wan.account.AccountLimits;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This instance's budget of provider task calls (query, cancel, list) per provider account: a token
 * bucket per account at the account's {@code provider.<name>.query-rate}, lowered to the optional
 * per-instance cap {@code poller.query-rate}, shared by all stream tasks of the instance. A call
 * that does not fit waits for a later punctuation; nothing is dropped.
 */
public final class QueryBudget {
  private final ProviderAccounts accounts;
  private final OptionalDouble instanceCap;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param accounts the accounts whose query rates apply
   * @param instanceCap calls per second per account this instance may make at most, if capped
   */
  public QueryBudget(ProviderAccounts accounts, OptionalDouble instanceCap) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.instanceCap = Objects.requireNonNull(instanceCap, "instanceCap");
    if (instanceCap.isPresent() && !(instanceCap.getAsDouble() > 0)) {
      throw new IllegalArgumentException(
          "query rate cap must be positive, got " + instanceCap.getAsDouble());
    }
  }

  /**
   * Calls per second this instance may make for {@code account}: the account's query rate (the
   * protocol default for an account that is not configured), at most the instance cap.
   */
  public double rateOf(String account) {
    double rate =
        accounts.all().stream()
            .filter(a -> a.name().equals(account))
            .findFirst()
            .map(ProviderAccount::limits)
            .map(AccountLimits::queryRate)
            .orElse(AccountLimits.DEFAULT_QUERY_RATE);
    return instanceCap.isPresent() ? Math.min(rate, instanceCap.getAsDouble()) : rate;
  }

  /** Takes one call of {@code account}'s budget at {@code now}, if there is one. */
  public boolean tryAcquire(String account, Instant now) {
    return buckets
        .computeIfAbsent(
            account,
            a -> {
              double rate = rateOf(a);
              return new TokenBucket(rate, Math.max(1, rate));
            })
        .tryAcquire(now);
  }
}
