package io.wanpipeline.billing.charge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.billing.price.PriceKey;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChargeCalculatorTest {

  @Test
  void roundsHalfUpToWholeMicroUnits() {
    assertThat(ChargeCalculator.amountMicros(10_230, 500_000)).isEqualTo(5_115_000);
    assertThat(ChargeCalculator.amountMicros(1, 500)).as("0.5 rounds up").isEqualTo(1);
    assertThat(ChargeCalculator.amountMicros(1, 499)).as("0.499 rounds down").isZero();
    assertThat(ChargeCalculator.amountMicros(3, 1_500)).as("4.5 rounds up").isEqualTo(5);
    assertThat(ChargeCalculator.amountMicros(0, 1_000_000)).isZero();
  }

  @Test
  void failsRatherThanOverflows() {
    assertThatThrownBy(() -> ChargeCalculator.amountMicros(Long.MAX_VALUE, 1_000_000))
        .isInstanceOf(ArithmeticException.class);
  }

  @Test
  void completionIsTheProviderEndTimeElseTheEventTime() {
    Instant end = Instant.parse("2026-03-01T23:59:59.999Z");
    TaskStatus.Builder s =
        TaskStatus.newBuilder()
            .setRequestId("r")
            .setAccountId("a")
            .setProviderAccount("p")
            .setModel("m")
            .setState(TaskState.SUCCEEDED)
            .setEventTime(Instant.parse("2026-03-02T00:00:05Z"));
    assertThat(ChargeCalculator.completedAt(s.build())).isEqualTo(s.getEventTime());
    assertThat(ChargeCalculator.dayOf(ChargeCalculator.completedAt(s.build())))
        .isEqualTo("2026-03-02");
    s.setProviderEndTime(end);
    assertThat(ChargeCalculator.completedAt(s.build())).isEqualTo(end);
    assertThat(ChargeCalculator.dayOf(end)).isEqualTo("2026-03-01");
  }

  @Test
  void billsTheRequestedDurationWhenNoUsageWasReported() {
    // APIYI's answer carries no usage: it bills resolution tier x requested seconds, and so do we.
    TaskStatus s =
        TaskStatus.newBuilder()
            .setRequestId("r")
            .setAccountId("a")
            .setProviderAccount("p")
            .setModel("m")
            .setState(TaskState.SUCCEEDED)
            .setEventTime(Instant.parse("2026-03-02T00:00:05Z"))
            .setRequestedDuration(5)
            .setRequestedResolution("480P")
            .setUsage(null)
            .build();
    List<PriceKey> asked = new ArrayList<>();

    ChargeDecision d =
        ChargeCalculator.decide(
            s,
            (key, at) -> {
              asked.add(key);
              return Optional.of(
                  io.wanpipeline.events.Price.newBuilder()
                      .setProviderAccount(key.providerAccount())
                      .setModel(key.model())
                      .setTier(key.tier())
                      .setAudio(key.audio())
                      .setCurrency("CNY")
                      .setMicrosPerSecond(100_000)
                      .setEffectiveFrom(Instant.EPOCH)
                      .build());
            });

    assertThat(d).isInstanceOf(ChargeDecision.Charged.class);
    var charge = ((ChargeDecision.Charged) d).charge();
    assertThat(asked).first().isEqualTo(new PriceKey("p", "m", "480P", false));
    assertThat(charge.getTier()).as("the requested resolution").isEqualTo("480P");
    assertThat(charge.getBillableMillis()).as("the requested 5 s").isEqualTo(5_000);
    assertThat(charge.getUnitPriceMicros()).isEqualTo(100_000);
    assertThat(charge.getAmountMicros()).as("5 s x 100 000 per second").isEqualTo(500_000);
    assertThat(charge.getProviderCost()).isNull();
  }

  @Test
  void triesAccountThenAnyAccountThenSilentPrices() {
    assertThat(ChargeCalculator.candidates("p", "m", "720P", true))
        .containsExactly(
            new PriceKey("p", "m", "720P", true),
            new PriceKey("*", "m", "720P", true),
            new PriceKey("p", "m", "720P", false),
            new PriceKey("*", "m", "720P", false));
    assertThat(ChargeCalculator.candidates("p", "m", "720P", false))
        .containsExactly(
            new PriceKey("p", "m", "720P", false), new PriceKey("*", "m", "720P", false));
  }
}
