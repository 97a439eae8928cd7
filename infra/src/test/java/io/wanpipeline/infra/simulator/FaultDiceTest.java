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
}
