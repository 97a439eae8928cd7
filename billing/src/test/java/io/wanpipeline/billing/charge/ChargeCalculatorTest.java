package io.wanpipeline.billing.charge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.PriceKey;
import io.wanpipeline.billing.price.PriceLookup;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
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
        TaskStatuses.of("r", TaskState.SUCCEEDED)
            .setAccountId("a")
            .setProviderAccount("p")
            .setModel("m")
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
        TaskStatuses.of("r", TaskState.SUCCEEDED)
            .setAccountId("a")
            .setProviderAccount("p")
            .setModel("m")
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

  @Test
  void marksUpTheAnyAccountPriceForAGatewayAccount() {
    // APIYI: official CNY price x 0.14, billed in USD. wan2.2-i2v-flash 480P is CNY 0.10/s.
    AccountPricing apiyi =
        AccountPricing.from(
            io.wanpipeline.runtime.config.Settings.of(
                java.util.Map.of(
                    "provider.accounts", "cn-main,apiyi",
                    "provider.apiyi.price-markup", "0.14",
                    "provider.apiyi.price-currency", "usd")));
    TaskStatus.Builder s =
        TaskStatuses.of("r", TaskState.SUCCEEDED)
            .setAccountId("a")
            .setProviderAccount("apiyi")
            .setModel("wan2.2-i2v-flash")
            .setEventTime(Instant.parse("2026-03-02T00:00:05Z"))
            .setRequestedDuration(5)
            .setRequestedResolution("480P");
    java.util.Map<PriceKey, io.wanpipeline.events.Price> table = new java.util.HashMap<>();
    table.put(new PriceKey("*", "wan2.2-i2v-flash", "480P", false), price("*", 100_000, "CNY"));
    PriceLookup lookup = (key, at) -> Optional.ofNullable(table.get(key));

    Charge marked = charged(ChargeCalculator.decide(s.build(), lookup, apiyi));
    assertThat(marked.getUnitPriceMicros()).as("100 000 x 0.14").isEqualTo(14_000);
    assertThat(marked.getCurrency()).isEqualTo("USD");
    assertThat(marked.getAmountMicros()).as("5 s x USD 0.014").isEqualTo(70_000);
    assertThat(marked.getPriceMarkup()).isEqualTo("0.14");

    Charge official =
        charged(ChargeCalculator.decide(s.setProviderAccount("cn-main").build(), lookup, apiyi));
    assertThat(official.getUnitPriceMicros()).isEqualTo(100_000);
    assertThat(official.getCurrency()).isEqualTo("CNY");
    assertThat(official.getPriceMarkup()).isNull();

    table.put(
        new PriceKey("apiyi", "wan2.2-i2v-flash", "480P", false), price("apiyi", 15_000, "USD"));
    Charge own =
        charged(ChargeCalculator.decide(s.setProviderAccount("apiyi").build(), lookup, apiyi));
    assertThat(own.getUnitPriceMicros())
        .as("an account's own price is used as it is")
        .isEqualTo(15_000);
    assertThat(own.getCurrency()).isEqualTo("USD");
    assertThat(own.getPriceMarkup()).isNull();
  }

  @Test
  void roundsTheMarkedUpUnitPriceHalfUp() {
    AccountPricing.Markup m = new AccountPricing.Markup(new java.math.BigDecimal("0.14"), "USD");
    assertThat(m.apply(500_000)).isEqualTo(70_000);
    assertThat(m.apply(25)).as("3.5 rounds up").isEqualTo(4);
    assertThat(m.apply(24)).as("3.36 rounds down").isEqualTo(3);
  }

  @Test
  void refusesABadMarkup() {
    assertThatThrownBy(
            () ->
                AccountPricing.from(
                    io.wanpipeline.runtime.config.Settings.of(
                        java.util.Map.of(
                            "provider.accounts", "apiyi", "provider.apiyi.price-markup", "-1"))))
        .hasMessageContaining("provider.apiyi.price-markup");
  }

  private static Charge charged(ChargeDecision d) {
    assertThat(d).isInstanceOf(ChargeDecision.Charged.class);
    return ((ChargeDecision.Charged) d).charge();
  }

  private static io.wanpipeline.events.Price price(String account, long micros, String currency) {
    return io.wanpipeline.events.Price.newBuilder()
        .setProviderAccount(account)
        .setModel("wan2.2-i2v-flash")
        .setTier("480P")
        .setAudio(false)
        .setCurrency(currency)
        .setMicrosPerSecond(micros)
        .setEffectiveFrom(Instant.EPOCH)
        .build();
  }
}
