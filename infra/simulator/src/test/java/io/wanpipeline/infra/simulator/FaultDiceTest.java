package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultDiceTest {
  private final Faults mixed =
      Faults.NONE
          .withThrottleRate(0.2)
          .withUnavailableRate(0.2)
          .withResetRate(0.1)
          .withDelay(0.3, Duration.ofMillis(50));

  private List<FaultDice.Decision> draws(long seed, int n) {
    FaultDice dice = new FaultDice(seed);
    List<FaultDice.Decision> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(dice.draw(mixed));
    }
    return out;
  }

  @Test
  void sameSeedGivesTheSameFaults() {
    assertThat(draws(7, 200)).isEqualTo(draws(7, 200));
    assertThat(draws(7, 200)).isNotEqualTo(draws(8, 200));
  }

  @Test
  void ratesAreRoughlyHonoured() {
    List<FaultDice.Decision> d = draws(1, 10_000);
    long throttled = d.stream().filter(x -> x.outcome() == FaultDice.Outcome.THROTTLE).count();
    long delayed = d.stream().filter(x -> !x.delay().isZero()).count();
    long clean = d.stream().filter(x -> x.outcome() == FaultDice.Outcome.NONE).count();
    assertThat(throttled).isBetween(1_800L, 2_200L);
    assertThat(delayed).isBetween(2_700L, 3_300L);
    assertThat(clean).isBetween(4_700L, 5_300L);
  }

  @Test
  void routesWithoutFaultsDoNotConsumeTheSequence() {
    FaultDice a = new FaultDice(3);
    FaultDice b = new FaultDice(3);
    a.draw(Faults.NONE);
    a.draw(Faults.NONE);
    assertThat(a.draw(mixed)).isEqualTo(b.draw(mixed));
  }

  @Test
  void taskFatesAreSeededAndIndependentOfFaults() {
    FaultDice a = new FaultDice(11);
    FaultDice b = new FaultDice(11);
    b.draw(mixed);
    for (int i = 0; i < 50; i++) {
      assertThat(a.fate(0.3, 0.1)).isEqualTo(b.fate(0.3, 0.1));
    }
  }

  @Test
  void delaysBetweenTwoBoundsSpreadOverTheRange() {
    FaultDice dice = new FaultDice(5);
    Faults latency =
        Faults.NONE.withDelayBetween(1.0, Duration.ofMillis(100), Duration.ofMillis(400));
    List<Duration> delays = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      FaultDice.Decision d = dice.draw(latency);
      assertThat(d.outcome()).isEqualTo(FaultDice.Outcome.NONE);
      delays.add(d.delay());
    }

    assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(ms(100), ms(400)));
    assertThat(delays.stream().filter(d -> d.compareTo(ms(175)) < 0).count())
        .as("the lowest quarter of the range is drawn about a quarter of the time")
        .isBetween(400L, 600L);
    assertThat(delays.stream().filter(d -> d.compareTo(ms(325)) > 0).count())
        .as("the highest quarter too")
        .isBetween(400L, 600L);
  }

  @Test
  void aFixedDelayDrawsNoExtraRandomness() {
    FaultDice a = new FaultDice(9);
    FaultDice b = new FaultDice(9);
    Faults fixed = Faults.NONE.withDelay(0.5, ms(50));
    Faults degenerate = Faults.NONE.withDelayBetween(0.5, ms(50), ms(50));
    for (int i = 0; i < 100; i++) {
      assertThat(a.draw(fixed)).isEqualTo(b.draw(degenerate));
    }
  }

  @Test
  void otherFaultsKeepTheDelayRange() {
    Faults f =
        Faults.NONE.withDelayBetween(1.0, ms(10), ms(20)).withThrottleRate(0.1).withResetRate(0.1);

    assertThat(f.delay()).isEqualTo(ms(10));
    assertThat(f.delayMax()).isEqualTo(ms(20));
  }

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
