package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.account.ProviderAccounts;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static int take(TokenBucket b, Instant now, int tries) {
    int got = 0;
    for (int i = 0; i < tries; i++) {
      if (b.tryAcquire(now)) {
        got++;
      }
    }
    return got;
  }

  @Test
  void allowsTheRatePerSecondAndNoMore() {
    TokenBucket bucket = new TokenBucket(20, 20);
    assertThat(take(bucket, T0, 100)).isEqualTo(20);
    assertThat(take(bucket, T0.plusMillis(500), 100)).isEqualTo(10);
    assertThat(take(bucket, T0.plusMillis(1500), 100)).isEqualTo(20);
  }

  @Test
  void doesNotSaveUpBeyondItsCapacity() {
    TokenBucket bucket = new TokenBucket(20, 20);
    take(bucket, T0, 100);
    assertThat(take(bucket, T0.plusSeconds(3600), 100)).isEqualTo(20);
  }

  private static ProviderAccounts accounts(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(settings);
    all.put("provider.accounts", "a,b");
    return ProviderAccounts.parse(
        k -> Optional.ofNullable(all.get(k)),
        k -> k.endsWith(".api-key") ? Optional.of("sk-test") : Optional.empty());
  }

  @Test
  void budgetIsPerAccountAtTheAccountsQueryRate() {
    QueryBudget budget =
        new QueryBudget(
            accounts(Map.of("provider.a.query-rate", "2", "provider.b.query-rate", "3")),
            OptionalDouble.empty());
    assertThat(take(budget, "a", T0, 10)).isEqualTo(2);
    assertThat(take(budget, "b", T0, 10)).isEqualTo(3);
    assertThat(take(budget, "a", T0.plusMillis(500), 10)).isEqualTo(1);
  }

  @Test
  void accountsWithoutAConfiguredRateGetTheProtocolsTwentyPerSecond() {
    QueryBudget budget = new QueryBudget(accounts(Map.of()), OptionalDouble.empty());
    assertThat(budget.rateOf("a")).isEqualTo(20.0);
    assertThat(budget.rateOf("not-configured")).isEqualTo(20.0);
    assertThat(take(budget, "a", T0, 100)).isEqualTo(20);
  }

  @Test
  void theInstanceCapOnlyLowersAnAccountsRate() {
    QueryBudget budget =
        new QueryBudget(
            accounts(Map.of("provider.a.query-rate", "2", "provider.b.query-rate", "10")),
            OptionalDouble.of(5));
    assertThat(budget.rateOf("a")).isEqualTo(2.0);
    assertThat(budget.rateOf("b")).isEqualTo(5.0);
    assertThat(take(budget, "b", T0, 100)).isEqualTo(5);
  }

  private static int take(QueryBudget budget, String account, Instant now, int tries) {
    int got = 0;
    for (int i = 0; i < tries; i++) {
      if (budget.tryAcquire(account, now)) {
        got++;
      }
    }
    return got;
  }
}
