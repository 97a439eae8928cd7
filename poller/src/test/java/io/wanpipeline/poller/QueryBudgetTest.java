package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.rate.CallLimiter;
import io.wanpipeline.wan.rate.RateWindow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class QueryBudgetTest {

  private static ProviderAccounts accounts(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(settings);
    all.put("provider.accounts", "a,b");
    return ProviderAccounts.parse(
        k -> Optional.ofNullable(all.get(k)),
        k -> k.endsWith(".api-key") ? Optional.of("sk-test") : Optional.empty());
  }

  /** Takes a call at {@code now} and answers it at once; false when the budget has none. */
  private static boolean call(QueryBudget budget, String account, Instant now) {
    CallLimiter.Permit permit = budget.take(account, now);
    if (permit == null) {
      return false;
    }
    permit.answered(now);
    return true;
  }

  private static int take(QueryBudget budget, String account, Instant now, int tries) {
    int got = 0;
    for (int i = 0; i < tries; i++) {
      if (call(budget, account, now)) {
        got++;
      }
    }
    return got;
  }

  /** The most calls in any window [t, t + 1 s), as the simulator's ledger counts them. */
  private static int maxPerSecond(List<Instant> calls) {
    int best = 0;
    int from = 0;
    for (int to = 0; to < calls.size(); to++) {
      while (!calls.get(from).plusSeconds(1).isAfter(calls.get(to))) {
        from++;
      }
      best = Math.max(best, to - from + 1);
    }
    return best;
  }

  /** Asks for calls every 10 ms for {@code seconds}; returns the times granted. */
  private static List<Instant> hammer(QueryBudget budget, String account, int seconds) {
    List<Instant> granted = new ArrayList<>();
    for (int ms = 0; ms < seconds * 1000; ms += 10) {
      Instant now = T0.plusMillis(ms);
      while (call(budget, account, now)) {
        granted.add(now);
      }
    }
    return granted;
  }

  @Test
  void budgetIsPerAccountAtTheAccountsPollRate() {
    // Pollers spend the query rate less the reconciliation and archive reserves (a tenth each):
    // 2.0/s and 3.6/s.
    QueryBudget budget =
        new QueryBudget(
            accounts(Map.of("provider.a.query-rate", "2.5", "provider.b.query-rate", "4.5")),
            OptionalDouble.empty());
    assertThat(take(budget, "a", T0, 10)).isEqualTo(2);
    assertThat(take(budget, "b", T0, 10)).isEqualTo(3);
    assertThat(take(budget, "a", T0.plusMillis(500), 10)).as("no burst inside the window").isZero();
    assertThat(take(budget, "a", T0.plusMillis(1049), 10))
        .as("one second plus the margin")
        .isZero();
    assertThat(take(budget, "a", T0.plusMillis(1050), 10)).isEqualTo(2);
  }

  @Test
  void accountsWithoutAConfiguredRateGetTheProtocolsTwentyPerSecondLessTheReserve() {
    QueryBudget budget = new QueryBudget(accounts(Map.of()), OptionalDouble.empty());
    assertThat(budget.rateOf("a")).isEqualTo(16.0);
    assertThat(budget.rateOf("not-configured")).isEqualTo(16.0);
    assertThat(take(budget, "a", T0, 100)).isEqualTo(16);
  }

  @Test
  void theInstanceCapOnlyLowersAnAccountsRate() {
    QueryBudget budget =
        new QueryBudget(
            accounts(Map.of("provider.a.query-rate", "2", "provider.b.query-rate", "10")),
            OptionalDouble.of(5));
    assertThat(budget.rateOf("a")).isCloseTo(1.6, within(1e-9));
    assertThat(budget.rateOf("b")).isEqualTo(5.0);
    assertThat(take(budget, "b", T0, 100)).isEqualTo(5);
  }

  @Test
  void neverMoreThanTheRateInAnyOneSecondWindow() {
    QueryBudget budget = new QueryBudget(accounts(Map.of()), OptionalDouble.empty());
    List<Instant> granted = hammer(budget, "a", 10);
    assertThat(maxPerSecond(granted)).isEqualTo(16);
    assertThat(granted.size()).as("close to the rate over 10 s").isGreaterThanOrEqualTo(140);
  }

  @Test
  void shareArithmeticForOneAndTwoInstances() {
    assertThat(PartitionShare.fraction(6, 6)).isEqualTo(1.0);
    assertThat(PartitionShare.fraction(0, 6)).as("nothing owned: nothing polled").isEqualTo(1.0);
    assertThat(PartitionShare.fraction(3, 0)).as("total unknown").isEqualTo(1.0);
    assertThat(PartitionShare.fraction(3, 6)).isEqualTo(0.5);
    assertThat(PartitionShare.fraction(1, 3)).isEqualTo(1.0 / 3);
    // Two instances over 3 partitions of an account at 20/s: 13 + 6 calls per second <= 20.
    int first =
        RateWindow.of(
                QueryBudget.shareOf(20, PartitionShare.fraction(2, 3), OptionalDouble.empty()),
                Duration.ofMillis(50))
            .limit();
    int second =
        RateWindow.of(
                QueryBudget.shareOf(20, PartitionShare.fraction(1, 3), OptionalDouble.empty()),
                Duration.ofMillis(50))
            .limit();
    assertThat(first).isEqualTo(13);
    assertThat(second).isEqualTo(6);
    assertThat(first + second).isLessThanOrEqualTo(20);
    assertThat(QueryBudget.shareOf(20, 0.5, OptionalDouble.of(4))).isEqualTo(4.0);
  }

  @Test
  void twoInstancesTogetherStayWithinTheAccountsRate() {
    PartitionShare one = new PartitionShare(() -> 2);
    PartitionShare two = new PartitionShare(() -> 2);
    one.acquire(0);
    two.acquire(1);
    QueryBudget a = new QueryBudget(accounts(Map.of()), OptionalDouble.empty(), one, Duration.ZERO);
    QueryBudget b = new QueryBudget(accounts(Map.of()), OptionalDouble.empty(), two, Duration.ZERO);
    assertThat(a.rateOf("a")).isEqualTo(8.0);
    List<Instant> both = new ArrayList<>(hammer(a, "a", 5));
    both.addAll(hammer(b, "a", 5));
    both.sort(null);
    assertThat(maxPerSecond(both)).isEqualTo(16);

    // The survivor of a failover owns both partitions: the whole poll rate.
    one.acquire(1);
    assertThat(a.rateOf("a")).isEqualTo(16.0);
    one.release(1);
    one.release(0);
    assertThat(one.owned()).isZero();
  }

  @Test
  void aGrownShareIsHeldForOneWindowSoAHandOverNeverDoublesTheRate() {
    Instant[] now = {T0};
    Clock clock =
        new Clock() {
          @Override
          public ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    Duration hold = Duration.ofMillis(1050);
    PartitionShare leaving = new PartitionShare(() -> 2, clock, hold);
    PartitionShare joining = new PartitionShare(() -> 2, clock, hold);
    QueryBudget a =
        new QueryBudget(accounts(Map.of()), OptionalDouble.empty(), leaving, Duration.ofMillis(50));
    QueryBudget b =
        new QueryBudget(accounts(Map.of()), OptionalDouble.empty(), joining, Duration.ofMillis(50));
    leaving.acquire(0);
    leaving.acquire(1);
    now[0] = T0.plus(hold); // the only owner, past its own hold: the whole poll rate
    List<Instant> calls = new ArrayList<>();
    while (call(a, "a", now[0])) {
      calls.add(now[0]);
    }
    assertThat(calls).hasSize(16);

    // A rebalance moves partition 1 over: the leaver's share shrinks at once, the joiner's is held.
    leaving.release(1);
    joining.acquire(1);
    assertThat(a.rateOf("a")).isEqualTo(8.0);
    assertThat(b.rateOf("a")).as("held at nothing").isZero();
    for (int step = 0; step < 30; step++) {
      now[0] = now[0].plusMillis(100);
      while (call(a, "a", now[0])) {
        calls.add(now[0]);
      }
      while (call(b, "a", now[0])) {
        calls.add(now[0]);
      }
    }
    assertThat(b.rateOf("a")).isEqualTo(8.0);
    calls.sort(null);
    assertThat(maxPerSecond(calls)).as("both instances in any one second").isLessThanOrEqualTo(16);
    assertThat(calls.size()).as("the joiner did call once held no more").isGreaterThan(16 + 8);
  }

  @Test
  void aPartitionReportedTwiceCountsOnceAndOwningNoneOfAKnownCountSpendsNothing() {
    PartitionShare share = new PartitionShare(() -> 6);
    share.acquire(0);
    share.acquire(1);
    share.acquire(1); // re-initialised after a dirty close: still one partition
    assertThat(share.owned()).isEqualTo(2);
    share.release(1);
    assertThat(share.owned()).isEqualTo(1);
    assertThat(share.fraction()).isEqualTo(1.0 / 6);
    share.release(0);
    assertThat(share.fraction()).as("owns none of 6").isZero();
  }

  @Test
  void aCallCountsFromItsAnswerSoLateDeliveriesCannotPileUpAtTheProvider() {
    QueryBudget budget = new QueryBudget(accounts(Map.of()), OptionalDouble.empty());
    List<CallLimiter.Permit> permits = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      permits.add(budget.take("a", T0));
    }
    assertThat(budget.take("a", T0)).isNull();
    // Fifteen answers arrive at once; one call hangs for 2 s and counts until it answers.
    permits.subList(0, 15).forEach(p -> p.answered(T0.plusMillis(300)));
    Instant oneWindowAfterTheAnswers = T0.plusMillis(300).plus(Duration.ofMillis(1050));
    assertThat(budget.available("a", oneWindowAfterTheAnswers.minusMillis(1))).isEqualTo(0);
    assertThat(budget.available("a", oneWindowAfterTheAnswers)).isEqualTo(15);
    assertThat(budget.available("a", T0.plusSeconds(2))).as("one still in flight").isEqualTo(15);
    permits.get(15).answered(T0.plusSeconds(2));
    assertThat(budget.available("a", T0.plusMillis(3050))).isEqualTo(16);
  }

  @Test
  void aShareBelowOneCallASecondStillMakesProgress() {
    PartitionShare share = new PartitionShare(() -> 8);
    share.acquire(0);
    // 1 partition of 8 at 3.375/s (2.7/s for pollers): 0.3375 calls a second, one call per 3 s
    // (plus the margin).
    QueryBudget budget =
        new QueryBudget(
            accounts(Map.of("provider.a.query-rate", "3.375")),
            OptionalDouble.empty(),
            share,
            Duration.ofMillis(50));
    assertThat(RateWindow.of(0.25, Duration.ofMillis(50)))
        .isEqualTo(new RateWindow(1, Duration.ofMillis(4050)));
    List<Instant> granted = hammer(budget, "a", 20);
    assertThat(granted).hasSize(7);
    assertThat(Duration.between(granted.get(0), granted.get(1))).isEqualTo(Duration.ofMillis(3050));
  }

  @Test
  void aThrottledCallHalvesTheAccountsRateWhichRecoversGradually() {
    QueryBudget budget = new QueryBudget(accounts(Map.of()), OptionalDouble.empty());
    budget.slowDown("a", T0, null);
    budget.slowDown("a", T0.plusMillis(100), null); // same second: one halving
    assertThat(budget.slowDownFactor("a", T0.plusMillis(100))).isCloseTo(0.5, within(0.01));
    assertThat(take(budget, "a", T0.plusMillis(100), 100)).isEqualTo(8);
    assertThat(budget.slowDownFactor("b", T0)).as("other accounts unaffected").isEqualTo(1.0);
    budget.slowDown("a", T0.plusSeconds(2), null);
    assertThat(budget.slowDownFactor("a", T0.plusSeconds(2))).isLessThan(0.3);
    assertThat(budget.slowDownFactor("a", T0.plusSeconds(12)))
        .isGreaterThan(budget.slowDownFactor("a", T0.plusSeconds(2)));
    assertThat(budget.slowDownFactor("a", T0.plusSeconds(60))).isEqualTo(1.0);
  }

  @Test
  void aCallWaitingForACallThreadHoldsItsPlaceUntilItsAnswer() {
    QueryBudget budget =
        new QueryBudget(
            accounts(Map.of("provider.a.query-rate", "1.35")),
            OptionalDouble.empty(),
            PartitionShare.whole(),
            Duration.ofMillis(50));
    CallLimiter.Permit permit = budget.take("a", T0);
    assertThat(permit).isNotNull();
    assertThat(budget.available("a", T0.plusMillis(1350)))
        .as("queued, then in flight: not answered yet")
        .isZero();
    permit.answered(T0.plusMillis(300));
    assertThat(budget.available("a", T0.plusMillis(1349))).isZero();
    assertThat(budget.available("a", T0.plusMillis(1350))).isEqualTo(1);
  }

  @Test
  void aCallNeverMadeGivesItsPlaceBackAtOnce() {
    QueryBudget budget =
        new QueryBudget(
            accounts(Map.of("provider.a.query-rate", "1.35")),
            OptionalDouble.empty(),
            PartitionShare.whole(),
            Duration.ofMillis(50));
    budget.take("a", T0).release();
    assertThat(budget.available("a", T0)).isEqualTo(1);
  }

  @Test
  void retryAfterPausesTheAccount() {
    QueryBudget budget = new QueryBudget(accounts(Map.of()), OptionalDouble.empty());
    budget.slowDown("a", T0, Duration.ofSeconds(3));
    assertThat(call(budget, "a", T0.plusSeconds(2))).isFalse();
    assertThat(budget.callsPerSecond("a", T0.plusSeconds(2))).isZero();
    assertThat(call(budget, "b", T0.plusSeconds(2))).isTrue();
    assertThat(call(budget, "a", T0.plusSeconds(3))).isTrue();
  }
}
