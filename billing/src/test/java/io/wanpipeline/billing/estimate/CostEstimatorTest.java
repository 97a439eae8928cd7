package io.wanpipeline.billing.estimate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.billing.charge.ChargeCalculator;
import io.wanpipeline.billing.charge.ChargeDecision;
import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.ListPriceLookup;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CostEstimatorTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AccountPricing PRICING =
      AccountPricing.from(
          Settings.of(
              Map.of(
                  "provider.accounts", "cn-main,apiyi",
                  "provider.apiyi.price-markup", "0.14",
                  "provider.apiyi.price-currency", "USD")));
  private final ListPriceLookup prices = new ListPriceLookup(PriceFile.bundled());
  private final CostEstimator estimator =
      new CostEstimator(prices, PRICING, ModelCatalogue.standard());

  @ParameterizedTest
  @CsvSource({
    "wan2.2-i2v-flash, 480P, 5, false, cn-main",
    "wan2.2-i2v-flash, 720P, 5, false, apiyi",
    "wan2.5-t2v-preview, 1080P, 10, false, cn-main",
    "wan2.6-i2v-flash, 720P, 7, true, cn-main",
    "wan2.6-i2v-flash, 720P, 7, true, apiyi",
  })
  void estimateEqualsTheChargeForTheSameRequest(
      String model, String tier, int seconds, boolean audio, String account) {
    Estimate e =
        estimator.estimate(
            new EstimateRequest("r1", model, account, tier, null, seconds, audio), null, NOW);

    ChargeDecision d =
        ChargeCalculator.decide(
            TaskStatuses.of("r1", TaskState.SUCCEEDED)
                .setProviderAccount(account)
                .setModel(model)
                .setEventTime(NOW)
                .setRequestedResolution(tier)
                .setRequestedDuration(seconds)
                .setRequestedAudio(audio)
                .build(),
            prices,
            PRICING);

    assertThat(e).isInstanceOf(Estimate.Priced.class);
    Estimate.Priced p = (Estimate.Priced) e;
    Charge c = ((ChargeDecision.Charged) d).charge();
    assertThat(p.amountMicros()).isPositive().isEqualTo(c.getAmountMicros());
    assertThat(p.unitMicros()).isEqualTo(c.getUnitPriceMicros());
    assertThat(p.currency()).isEqualTo(c.getCurrency());
    assertThat(p.tier()).isEqualTo(c.getTier());
    assertThat(p.audio()).isEqualTo(c.getAudio());
    assertThat(p.exact()).isTrue();
  }

  @Test
  void marksUpTheListPriceForAGateway() {
    Estimate.Priced p =
        (Estimate.Priced)
            estimator.estimate(
                new EstimateRequest(null, "wan2.2-i2v-flash", null, "480P", null, 5, null),
                "apiyi",
                NOW);
    assertThat(p.unitMicros()).as("CNY 0.10 x 0.14 in USD").isEqualTo(14_000);
    assertThat(p.currency()).isEqualTo("USD");
    assertThat(p.amountMicros()).isEqualTo(70_000);
    assertThat(p.markup()).isEqualByComparingTo(new BigDecimal("0.14"));
  }

  @Test
  void pricesTheMaximumWhenTheOutputFollowsAnInput() {
    Estimate.Priced p =
        (Estimate.Priced)
            estimator.estimate(
                new EstimateRequest(null, "wan2.2-s2v", null, "480P", null, null, null), null, NOW);
    assertThat(p.exact()).isFalse();
    assertThat(p.seconds()).as("the catalogue's maximum").isEqualTo(30);
    assertThat(p.amountMicros()).as("30 s x CNY 0.50").isEqualTo(15_000_000);
  }

  @Test
  void pricesTheModelDefaultDurationExactlyWhenNoneIsGiven() {
    Estimate.Priced p =
        (Estimate.Priced)
            estimator.estimate(
                new EstimateRequest(null, "wan2.2-i2v-flash", null, "480P", null, null, null),
                null,
                NOW);
    assertThat(p.exact()).isTrue();
    assertThat(p.seconds()).isEqualTo(5);
  }

  @Test
  void aRequestSilentOnAudioIsEstimatedAtTheAudioPriceOfAModelThatPricesItApart() {
    Estimate.Priced unsaid =
        (Estimate.Priced)
            estimator.estimate(
                new EstimateRequest(null, "wan2.6-i2v-flash", null, "720P", null, 5, null),
                null,
                NOW);
    Estimate.Priced silent =
        (Estimate.Priced)
            estimator.estimate(
                new EstimateRequest(null, "wan2.6-i2v-flash", null, "720P", null, 5, false),
                null,
                NOW);
    assertThat(unsaid.audio()).as("whether it has sound is known only afterwards").isTrue();
    assertThat(unsaid.amountMicros()).as("5 s x CNY 0.30").isEqualTo(1_500_000);
    assertThat(silent.audio()).isFalse();
    assertThat(silent.amountMicros()).as("5 s x CNY 0.15").isEqualTo(750_000);

    Estimate.Priced noAudioPrice =
        (Estimate.Priced)
            estimator.estimate(
                new EstimateRequest(null, "wan2.2-i2v-flash", null, "480P", null, 5, null),
                null,
                NOW);
    assertThat(noAudioPrice.audio()).as("a model without an audio price").isFalse();
    assertThat(noAudioPrice.amountMicros()).isEqualTo(500_000);
  }

  @Test
  void anUnknownPriceIsUnpricedNeverZero() {
    Estimate e =
        estimator.estimate(
            new EstimateRequest("h", "happyhorse-1.0-t2v", null, "1080P", null, 5, null),
            null,
            NOW);
    assertThat(e).isInstanceOf(Estimate.Unpriced.class);
    assertThat(((Estimate.Unpriced) e).reason()).contains("no price in force");

    Estimate unknown =
        estimator.estimate(
            new EstimateRequest("x", "no-such-model", null, null, null, 5, null), null, NOW);
    assertThat(unknown).isInstanceOf(Estimate.Unpriced.class);
  }

  @Test
  void readsAVideoRequestEventTolerantly() throws Exception {
    EstimateRequest plain =
        EstimateRequest.fromJson(
            JSON.readTree(
                "{\"request_id\":\"r\",\"account_id\":\"acme\",\"model\":\"wan2.5-t2v-preview\","
                    + "\"input\":{\"prompt\":\"a cat\"},\"priority\":\"LIVE\","
                    + "\"parameters\":{\"size\":\"1920*1080\",\"duration\":10,\"seed\":7}}"));
    assertThat(plain)
        .isEqualTo(
            new EstimateRequest("r", "wan2.5-t2v-preview", null, null, "1920*1080", 10, null));

    EstimateRequest avro =
        EstimateRequest.fromJson(
            JSON.readTree(
                "{\"request_id\":\"r\",\"model\":\"m\",\"provider_account\":{\"string\":\"apiyi\"},"
                    + "\"parameters\":{\"resolution\":{\"string\":\"720P\"},"
                    + "\"duration\":{\"int\":5},\"audio\":{\"boolean\":true}}}"));
    assertThat(avro).isEqualTo(new EstimateRequest("r", "m", "apiyi", "720P", null, 5, true));

    assertThatThrownBy(
            () -> EstimateRequest.fromJson(JSON.readTree("{\"parameters\":{\"duration\":\"5\"}}")))
        .hasMessageContaining("parameters.duration");
  }
}
