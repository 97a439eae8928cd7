package io.wanpipeline.wan.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallLimiterTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final RateWindow THREE_A_SECOND = new RateWindow(3, Duration.ofSeconds(1));

  private static CallLimiter.Permit grant(CallLimiter limiter, Instant now, RateWindow w) {
    return limiter.tryAcquire(now, w).orElseThrow(() -> new AssertionError("refused at " + now));
  }

  /** The most instants in any window [t, t + span), as the provider counts calls. */
  private static int mostInAnyWindow(List<Instant> calls, Duration span) {
    List<Instant> sorted = new ArrayList<>(calls);
    Collections.sort(sorted);
    int best = 0;
    int from = 0;
    for (int to = 0; to < sorted.size(); to++) {
      while (!sorted.get(from).plus(span).isAfter(sorted.get(to))) {
        from++;
      }
      best = Math.max(best, to - from + 1);
    }
    return best;
  }

  @Test
  void grantsTheLimitAndNoMoreWithinTheWindow() {
    CallLimiter limiter = new CallLimiter();
    for (int i = 0; i < 3; i++) {
      grant(limiter, T0, THREE_A_SECOND).answered(T0);
    }
    assertThat(limiter.tryAcquire(T0, THREE_A_SECOND)).isEmpty();
    assertThat(limiter.tryAcquire(T0.plusMillis(999), THREE_A_SECOND))
        .as("no burst inside the window")
        .isEmpty();
    assertThat(limiter.available(T0.plusMillis(999), THREE_A_SECOND)).isZero();
  }

  @Test
  void aPermitLeavesExactlyOneSpanAfterItsAnswer() {
    CallLimiter limiter = new CallLimiter();
    CallLimiter.Permit p = grant(limiter, T0, new RateWindow(1, Duration.ofMillis(1050)));
    p.answered(T0.plusMillis(200));
    RateWindow w = new RateWindow(1, Duration.ofMillis(1050));
    Instant edge = T0.plusMillis(200).plusMillis(1050);
    assertThat(limiter.available(edge.minusNanos(1), w))
        .as("a nanosecond before the edge")
        .isZero();
    assertThat(limiter.nextFree(edge.minusNanos(1), w)).isEqualTo(edge);
    assertThat(limiter.available(edge, w))
        .as("the window is half-open: [answer, answer + span)")
        .isEqualTo(1);
    assertThat(limiter.nextFree(edge, w)).isEqualTo(edge);
  }

  @Test
  void aCallCountsUntilItsAnswerNotFromItsGrant() {
    CallLimiter limiter = new CallLimiter();
    CallLimiter.Permit slow = grant(limiter, T0, THREE_A_SECOND);
    grant(limiter, T0, THREE_A_SECOND).answered(T0.plusMillis(10));
    grant(limiter, T0, THREE_A_SECOND).answered(T0.plusMillis(20));
    assertThat(limiter.available(T0.plusMillis(1020), THREE_A_SECOND)).isEqualTo(2);
    assertThat(limiter.available(T0.plusSeconds(3), THREE_A_SECOND))
        .as("the slow call is still in flight 3 s after its grant")
        .isEqualTo(2);
    slow.answered(T0.plusSeconds(3));
    assertThat(limiter.available(T0.plusMillis(3999), THREE_A_SECOND)).isEqualTo(2);
    assertThat(limiter.available(T0.plusSeconds(4), THREE_A_SECOND)).isEqualTo(3);
  }

  @Test
  void aCallThatNeverAnswersHoldsItsPermitUntilAnsweredOrReleased() {
    CallLimiter limiter = new CallLimiter();
    RateWindow one = new RateWindow(1, Duration.ofSeconds(1));
    CallLimiter.Permit hung = grant(limiter, T0, one);
    Instant anHourLater = T0.plus(Duration.ofHours(1));
    assertThat(limiter.tryAcquire(anHourLater, one)).as("no timeout frees it").isEmpty();
    assertThat(limiter.inFlight()).isEqualTo(1);
    assertThat(limiter.nextFree(anHourLater, one))
        .as("a lower bound: it can answer now at the earliest")
        .isEqualTo(anHourLater.plusSeconds(1));
    hung.release();
    assertThat(limiter.inFlight()).isZero();
    assertThat(limiter.tryAcquire(anHourLater, one)).as("released: never made").isPresent();
  }

  @Test
  void aReleasedPermitIsFreeAtOnceAndCannotBeAnswered() {
    CallLimiter limiter = new CallLimiter();
    RateWindow one = new RateWindow(1, Duration.ofSeconds(1));
    CallLimiter.Permit unused = grant(limiter, T0, one);
    unused.release();
    unused.release();
    assertThat(limiter.available(T0, one)).isEqualTo(1);
    assertThatThrownBy(() -> unused.answered(T0)).isInstanceOf(IllegalStateException.class);
    assertThat(limiter.available(T0, one)).as("a refused answer takes nothing").isEqualTo(1);
  }

  @Test
  void releasingAnAnsweredPermitChangesNothing() {
    CallLimiter limiter = new CallLimiter();
    RateWindow one = new RateWindow(1, Duration.ofSeconds(1));
    CallLimiter.Permit made = grant(limiter, T0, one);
    made.answered(T0.plusMillis(100));
    made.release();
    assertThat(limiter.available(T0.plusMillis(1099), one)).as("the call was made").isZero();
    assertThat(limiter.available(T0.plusMillis(1100), one)).isEqualTo(1);
  }

  @Test
  void theLaterOfTwoAnswersCountsAndAnAnswerNeverPrecedesItsGrant() {
    CallLimiter limiter = new CallLimiter();
    RateWindow one = new RateWindow(1, Duration.ofSeconds(1));
    CallLimiter.Permit p = grant(limiter, T0, one);
    p.answered(T0.plusMillis(500));
    p.answered(T0.plusMillis(100));
    assertThat(limiter.available(T0.plusMillis(1499), one)).isZero();
    assertThat(limiter.available(T0.plusMillis(1500), one)).isEqualTo(1);

    CallLimiter.Permit q = grant(limiter, T0.plusSeconds(10), one);
    q.answered(T0); // a clock read on another thread, behind the grant
    assertThat(q.grantedAt()).isEqualTo(T0.plusSeconds(10));
    assertThat(limiter.available(T0.plusMillis(10_999), one)).isZero();
    assertThat(limiter.available(T0.plusSeconds(11), one)).isEqualTo(1);
  }

  @Test
  void anAnswerNotedAfterALaterOneLeavesWithItNeverEarly() {
    CallLimiter limiter = new CallLimiter();
    RateWindow two = new RateWindow(2, Duration.ofSeconds(1));
    CallLimiter.Permit first = grant(limiter, T0, two);
    CallLimiter.Permit second = grant(limiter, T0, two);
    // Two threads noting their answers at once: the earlier answer is noted second.
    first.answered(T0.plusMillis(300));
    second.answered(T0.plusMillis(100));
    assertThat(limiter.available(T0.plusMillis(1100), two))
        .as("the earlier answer waits for the one noted before it")
        .isZero();
    assertThat(limiter.available(T0.plusMillis(1300), two)).isEqualTo(2);
    assertThat(limiter.inFlight()).isZero();
  }

  @Test
  void manyPermitsLeaveInTheOrderOfTheirAnswers() {
    CallLimiter limiter = new CallLimiter();
    RateWindow w = new RateWindow(1_000, Duration.ofSeconds(1));
    for (int i = 0; i < 1_000; i++) {
      grant(limiter, T0, w).answered(T0.plusMillis(i));
    }
    assertThat(limiter.held(T0.plusMillis(1_000), w.span())).isEqualTo(999);
    assertThat(limiter.held(T0.plusMillis(1_499), w.span())).isEqualTo(500);
    assertThat(limiter.available(T0.plusMillis(1_999), w)).isEqualTo(1_000);
  }

  @Test
  void nextFreeIsWhenEnoughAnsweredCallsLeaveAShrunkWindow() {
    CallLimiter limiter = new CallLimiter();
    grant(limiter, T0, THREE_A_SECOND).answered(T0.plusMillis(300));
    grant(limiter, T0, THREE_A_SECOND).answered(T0.plusMillis(100));
    grant(limiter, T0, THREE_A_SECOND).answered(T0.plusMillis(200));
    assertThat(limiter.nextFree(T0.plusMillis(400), THREE_A_SECOND)).isEqualTo(T0.plusMillis(1100));
    RateWindow slowedDown = new RateWindow(1, Duration.ofSeconds(1));
    assertThat(limiter.nextFree(T0.plusMillis(400), slowedDown))
        .as("three held, one allowed: all three must leave")
        .isEqualTo(T0.plusMillis(1300));
    assertThat(limiter.tryAcquire(T0.plusMillis(1299), slowedDown)).isEmpty();
    assertThat(limiter.tryAcquire(T0.plusMillis(1300), slowedDown)).isPresent();
  }

  @Test
  void aRateBelowOneASecondSpacesCallsFurther() {
    CallLimiter limiter = new CallLimiter();
    RateWindow half = RateWindow.of(0.5, Duration.ZERO);
    assertThat(half).isEqualTo(new RateWindow(1, Duration.ofSeconds(2)));
    grant(limiter, T0, half).answered(T0);
    assertThat(limiter.tryAcquire(T0.plusMillis(1999), half)).isEmpty();
    assertThat(limiter.tryAcquire(T0.plusSeconds(2), half)).isPresent();
  }

  @Test
  void aWindowNeedsAPermitAndATime() {
    assertThatThrownBy(() -> new RateWindow(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RateWindow(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Calls answered after random delays, some much longer than the window, each reaching the
   * provider at a random moment between its grant and its answer: the provider never counts more
   * than the limit in any window.
   */
  @Test
  void theProviderNeverSeesMoreThanTheLimitInAnyWindowHoweverLateCallsArrive() {
    Random random = new Random(13);
    RateWindow w = new RateWindow(4, Duration.ofMillis(1050));
    CallLimiter limiter = new CallLimiter();
    List<Instant> atProvider = new ArrayList<>();
    List<Object[]> inFlight = new ArrayList<>(); // {permit, answerAt}
    for (int ms = 0; ms < 60_000; ms += 5) {
      Instant now = T0.plusMillis(ms);
      inFlight.removeIf(
          f -> {
            Instant answerAt = (Instant) f[1];
            if (answerAt.isAfter(now)) {
              return false;
            }
            ((CallLimiter.Permit) f[0]).answered(answerAt);
            return true;
          });
      Optional<CallLimiter.Permit> p;
      while ((p = limiter.tryAcquire(now, w)).isPresent()) {
        if (random.nextInt(10) == 0) {
          p.get().release(); // not made after all
          break;
        }
        long took = random.nextInt(20) == 0 ? 3_000 + random.nextInt(3_000) : random.nextInt(400);
        Instant answerAt = now.plusMillis(took);
        atProvider.add(now.plusMillis((long) (random.nextDouble() * took)));
        inFlight.add(new Object[] {p.get(), answerAt});
      }
    }
    assertThat(mostInAnyWindow(atProvider, w.span())).isLessThanOrEqualTo(4);
    assertThat(mostInAnyWindow(atProvider, Duration.ofSeconds(1))).isLessThanOrEqualTo(4);
    assertThat(atProvider.size()).as("it still makes progress").isGreaterThan(60 * 2);
  }

  @Test
  void concurrentAcquirersAtOneInstantGetExactlyTheLimit() throws Exception {
    CallLimiter limiter = new CallLimiter();
    RateWindow w = new RateWindow(7, Duration.ofSeconds(1));
    int threads = 16;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicInteger granted = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  for (int i = 0; i < 1_000; i++) {
                    if (limiter.tryAcquire(T0, w).isPresent()) {
                      granted.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(granted.get()).isEqualTo(7);
    assertThat(limiter.inFlight()).isEqualTo(7);
  }

  /**
   * Threads share one monotonic time source (a tick a millisecond) and race to grant, call and
   * answer or release; each call reaches the provider at a tick taken after its grant and before
   * its answer. Whatever the interleaving, no window of the provider's holds more than the limit.
   */
  @Test
  void concurrentCallersNeverPutMoreThanTheLimitIntoAnyWindow() throws Exception {
    CallLimiter limiter = new CallLimiter();
    RateWindow w = new RateWindow(5, Duration.ofMillis(50));
    AtomicLong ticks = new AtomicLong();
    List<Instant> atProvider = Collections.synchronizedList(new ArrayList<>());
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        done.add(
            pool.submit(
                () -> {
                  Random random = new Random(seed);
                  start.await();
                  for (int i = 0; i < 20_000; i++) {
                    Instant now = T0.plusMillis(ticks.incrementAndGet());
                    Optional<CallLimiter.Permit> p = limiter.tryAcquire(now, w);
                    if (p.isEmpty()) {
                      continue;
                    }
                    if (random.nextInt(8) == 0) {
                      p.get().release();
                      continue;
                    }
                    atProvider.add(T0.plusMillis(ticks.incrementAndGet()));
                    for (int k = random.nextInt(3); k > 0; k--) {
                      ticks.incrementAndGet(); // the call takes a while
                    }
                    p.get().answered(T0.plusMillis(ticks.incrementAndGet()));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(limiter.inFlight()).as("every permit answered or released").isZero();
    assertThat(mostInAnyWindow(atProvider, w.span())).isLessThanOrEqualTo(5);
    assertThat(atProvider.size()).as("the threads did call").isGreaterThan(100);
  }
}
