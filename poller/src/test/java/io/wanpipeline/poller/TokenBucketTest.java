package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static int take(TokenBucket b, java.time.Instant now, int tries) {
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

  @Test
  void budgetIsPerAccount() {
    QueryBudget budget = new QueryBudget(2);
    assertThat(budget.tryAcquire("a", T0)).isTrue();
    assertThat(budget.tryAcquire("a", T0)).isTrue();
    assertThat(budget.tryAcquire("a", T0)).isFalse();
    assertThat(budget.tryAcquire("b", T0)).isTrue();
  }
}
