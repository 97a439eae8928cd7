package io.wanpipeline.archiver.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LinkQueryPacerTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void allowsTheRateInAnyWindowCountingEachQueryFromItsAnswer() {
    LinkQueryPacer pacer = new LinkQueryPacer(a -> 3);
    for (int i = 0; i < 3; i++) {
      assertThat(pacer.tryStart("a", T0)).isEmpty();
    }
    assertThat(pacer.tryStart("a", T0))
        .as("three in flight: none can leave before a window after an answer now")
        .hasValue(Duration.ofMillis(1050));
    pacer.finish("a", T0.plusMillis(200));
    pacer.finish("a", T0.plusMillis(300));
    pacer.finish("a", T0.plusMillis(400));
    assertThat(pacer.tryStart("a", T0.plusMillis(900)))
        .as("the first answer leaves the window 1 s + margin after it arrived")
        .hasValue(Duration.ofMillis(350));
    assertThat(pacer.tryStart("a", T0.plusMillis(1250))).isEmpty();
    assertThat(pacer.tryStart("a", T0.plusMillis(1300))).hasValue(Duration.ofMillis(50));
  }

  @Test
  void accountsHaveSeparateBudgets() {
    LinkQueryPacer pacer = new LinkQueryPacer(a -> 1);
    assertThat(pacer.tryStart("a", T0)).isEmpty();
    assertThat(pacer.tryStart("b", T0)).isEmpty();
    assertThat(pacer.tryStart("a", T0)).isPresent();
  }

  @Test
  void aReleasedQueryDoesNotCount() {
    LinkQueryPacer pacer = new LinkQueryPacer(a -> 1);
    assertThat(pacer.tryStart("a", T0)).isEmpty();
    pacer.release("a");
    assertThat(pacer.tryStart("a", T0)).isEmpty();
  }

  @Test
  void aRateBelowOneSpacesQueriesFurther() {
    LinkQueryPacer pacer = new LinkQueryPacer(a -> 0.5);
    assertThat(pacer.tryStart("a", T0)).isEmpty();
    pacer.finish("a", T0);
    assertThat(pacer.tryStart("a", T0.plusSeconds(1))).hasValue(Duration.ofMillis(1050));
    assertThat(pacer.tryStart("a", T0.plusMillis(2050))).isEmpty();
  }

  @Test
  void theRateIsReadAtEachCallAndZeroAllowsNothing() {
    double[] rate = {0};
    LinkQueryPacer pacer = new LinkQueryPacer(a -> rate[0]);
    assertThat(pacer.tryStart("a", T0)).as("no partitions owned").hasValue(Duration.ofSeconds(1));
    rate[0] = 1;
    assertThat(pacer.tryStart("a", T0)).isEmpty();
    pacer.finish("a", T0);
    assertThat(pacer.tryStart("a", T0.plusMillis(500))).isPresent();
    rate[0] = 2;
    assertThat(pacer.tryStart("a", T0.plusMillis(500))).as("a grown share").isEmpty();
  }

  @Test
  void aQueryStillInFlightHoldsItsPlace() {
    LinkQueryPacer pacer = new LinkQueryPacer(a -> 1);
    assertThat(pacer.tryStart("a", T0)).isEmpty();
    assertThat(pacer.tryStart("a", T0.plusSeconds(30)))
        .as("unanswered after 30 s")
        .hasValue(Duration.ofMillis(1050));
    pacer.finish("a", T0.plusSeconds(30));
    assertThat(pacer.tryStart("a", T0.plusMillis(31_049))).isPresent();
    assertThat(pacer.tryStart("a", T0.plusMillis(31_050))).isEmpty();
  }

  @Test
  void refusesAnUnbalancedFinish() {
    assertThatThrownBy(() -> new LinkQueryPacer(a -> 1).finish("a", T0))
        .isInstanceOf(IllegalStateException.class);
  }
}
