package io.wanpipeline.billing.price;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.Price;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PriceFileTest {

  /**
   * docs/protocol.md section 3, "CNY prices (China/Beijing, per second of output)", transcribed:
   * key provider_account|model|tier|audio, value CNY micro-units per second.
   */
  private static final Map<String, Long> SECTION_3_CNY =
      Map.ofEntries(
          Map.entry("*|wanx2.1-t2v-turbo|720P|false", 240_000L),
          Map.entry("*|wanx2.1-i2v-turbo|720P|false", 240_000L),
          Map.entry("*|wanx2.1-t2v-plus|720P|false", 700_000L),
          Map.entry("*|wanx2.1-i2v-plus|720P|false", 700_000L),
          Map.entry("*|wan2.2-t2v-plus|480P|false", 140_000L),
          Map.entry("*|wan2.2-t2v-plus|1080P|false", 700_000L),
          Map.entry("*|wan2.2-i2v-plus|480P|false", 140_000L),
          Map.entry("*|wan2.2-i2v-plus|1080P|false", 700_000L),
          Map.entry("*|wan2.2-i2v-flash|480P|false", 100_000L),
          Map.entry("*|wan2.2-i2v-flash|720P|false", 200_000L),
          Map.entry("*|wan2.2-i2v-flash|1080P|false", 480_000L),
          Map.entry("*|wan2.2-kf2v-flash|480P|false", 100_000L),
          Map.entry("*|wan2.2-kf2v-flash|720P|false", 200_000L),
          Map.entry("*|wan2.2-kf2v-flash|1080P|false", 480_000L),
          Map.entry("*|wan2.2-s2v|480P|false", 500_000L),
          Map.entry("*|wan2.2-s2v|720P|false", 900_000L),
          Map.entry("*|wan2.5-t2v-preview|480P|false", 300_000L),
          Map.entry("*|wan2.5-t2v-preview|720P|false", 600_000L),
          Map.entry("*|wan2.5-t2v-preview|1080P|false", 1_000_000L),
          Map.entry("*|wan2.5-i2v-preview|480P|false", 300_000L),
          Map.entry("*|wan2.5-i2v-preview|720P|false", 600_000L),
          Map.entry("*|wan2.5-i2v-preview|1080P|false", 1_000_000L),
          Map.entry("*|wan2.6-t2v|720P|false", 600_000L),
          Map.entry("*|wan2.6-t2v|1080P|false", 1_000_000L),
          Map.entry("*|wan2.6-i2v|720P|false", 600_000L),
          Map.entry("*|wan2.6-i2v|1080P|false", 1_000_000L),
          Map.entry("*|wan2.6-r2v|720P|false", 600_000L),
          Map.entry("*|wan2.6-r2v|1080P|false", 1_000_000L),
          Map.entry("*|wan2.6-i2v-flash|720P|true", 300_000L),
          Map.entry("*|wan2.6-i2v-flash|1080P|true", 500_000L),
          Map.entry("*|wan2.6-i2v-flash|720P|false", 150_000L),
          Map.entry("*|wan2.6-i2v-flash|1080P|false", 250_000L),
          Map.entry("*|wan2.7-t2v|720P|false", 600_000L),
          Map.entry("*|wan2.7-t2v|1080P|false", 1_000_000L),
          Map.entry("*|wan2.7-i2v|720P|false", 600_000L),
          Map.entry("*|wan2.7-i2v|1080P|false", 1_000_000L),
          Map.entry("*|wan2.7-r2v|720P|false", 600_000L),
          Map.entry("*|wan2.7-r2v|1080P|false", 1_000_000L),
          Map.entry("*|wan2.7-videoedit|720P|false", 600_000L),
          Map.entry("*|wan2.7-videoedit|1080P|false", 1_000_000L));

  /** Prices read off Model Studio's own pages for models section 3 does not price (issue 12). */
  private static final Map<String, String> MODEL_STUDIO =
      Map.of(
          "*|wan2.2-animate-mix|WAN-STD|false", "600000 CNY",
          "*|wan2.2-animate-mix|WAN-PRO|false", "900000 CNY",
          "*|wanx2.1-vace-plus|720P|false", "100347 USD");

  @Test
  void bundledFileHoldsEveryCnyFigureOfSectionThreeAndTheModelStudioPagesAndNothingElse() {
    Map<String, Price> byKey =
        PriceFile.bundled().stream()
            .collect(Collectors.toMap(p -> PriceKey.of(p).topicKey(), Function.identity()));

    assertThat(byKey.keySet())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.Stream.concat(
                    SECTION_3_CNY.keySet().stream(), MODEL_STUDIO.keySet().stream())
                .toList());
    MODEL_STUDIO.forEach(
        (key, figure) -> {
          Price price = byKey.get(key);
          assertThat(price.getMicrosPerSecond() + " " + price.getCurrency())
              .as(key)
              .isEqualTo(figure);
          assertThat(price.getSource()).as(key).contains("Model Studio");
        });
    SECTION_3_CNY.forEach(
        (key, micros) -> {
          Price price = byKey.get(key);
          assertThat(price.getMicrosPerSecond()).as(key).isEqualTo(micros);
          assertThat(price.getCurrency()).as(key).isEqualTo("CNY");
          assertThat(price.getEffectiveFrom()).as(key).isEqualTo(Instant.EPOCH);
          assertThat(price.getSource()).as(key).contains("wan-protocol.md s3");
        });
    assertThat(byKey.keySet()).noneMatch(k -> k.contains("happyhorse"));
  }

  @Test
  void everyPricedModelIsInTheCatalogueAndOnlyAudioPricedModelsHaveAudioPrices() {
    ModelCatalogue catalogue = ModelCatalogue.standard();
    for (Price price : PriceFile.bundled()) {
      ModelSpec spec = catalogue.find(price.getModel()).orElse(null);
      assertThat(spec).as("catalogue entry of " + price.getModel()).isNotNull();
      if (price.getAudio()) {
        assertThat(spec.audioAffectsPrice()).as(price.getModel() + " prices audio").isTrue();
      }
      // a model priced by service mode has a price per mode, every other one per resolution tier
      // (section 3 also prices tiers a model does not offer, such as wan2.2-i2v-flash at 1080P)
      List<String> tiers =
          spec.pricedByMode()
              ? spec.modes().stream().map(m -> m.toUpperCase(java.util.Locale.ROOT)).toList()
              : io.wanpipeline.wan.catalogue.Tiers.ALL;
      assertThat(tiers).as("price tiers of " + price.getModel()).contains(price.getTier());
    }
  }

  @Test
  void convertsDecimalPricesToMicroUnitsExactly() {
    assertThat(PriceFile.toMicros("0.10")).isEqualTo(100_000);
    assertThat(PriceFile.toMicros("0.1")).isEqualTo(100_000);
    assertThat(PriceFile.toMicros("1.00")).isEqualTo(1_000_000);
    assertThat(PriceFile.toMicros("0.071677")).isEqualTo(71_677);
    assertThat(PriceFile.toMicros("0.0375")).isEqualTo(37_500);
    assertThat(PriceFile.toMicros("12")).isEqualTo(12_000_000);
    assertThatThrownBy(() -> PriceFile.toMicros("0.1234567")).hasMessageContaining("6 decimals");
    assertThatThrownBy(() -> PriceFile.toMicros("-0.10")).hasMessageContaining("negative");
  }

  @Test
  void parsesSourcesWithCommasAndSkipsComments() throws Exception {
    List<Price> prices =
        PriceFile.parse(
            new StringReader(
                "# comment\n\n"
                    + "acct,wan2.2-i2v-flash,480p,false,USD,0.014,2026-01-01T00:00:00Z,a, b, c\n"),
            "test.csv");

    assertThat(prices).hasSize(1);
    Price p = prices.get(0);
    assertThat(p.getProviderAccount()).isEqualTo("acct");
    assertThat(p.getTier()).isEqualTo("480P");
    assertThat(p.getCurrency()).isEqualTo("USD");
    assertThat(p.getMicrosPerSecond()).isEqualTo(14_000);
    assertThat(p.getEffectiveFrom()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(p.getSource()).isEqualTo("a, b, c");
  }

  @Test
  void rejectsMalformedLinesNamingTheLine() {
    assertThatThrownBy(
            () ->
                PriceFile.parse(
                    new StringReader("# header\n*,m,480P,maybe,CNY,0.1,1970-01-01T00:00:00Z,s\n"),
                    "bad.csv"))
        .hasMessageStartingWith("bad.csv:2:")
        .hasMessageContaining("audio");
    assertThatThrownBy(
            () -> PriceFile.parse(new StringReader("*,m,480P,false,CNY,0.1\n"), "short.csv"))
        .hasMessageStartingWith("short.csv:1:");
    assertThatThrownBy(
            () ->
                PriceFile.parse(
                    new StringReader(
                        "*,m,480P,false,CNY,0.1,1970-01-01T00:00:00Z,s\n"
                            + "*,m,480P,false,CNY,0.2,1970-01-01T00:00:00Z,s\n"),
                    "dup.csv"))
        .hasMessageContaining("listed twice");
  }

  /** Found by PriceFileFuzzTest: these two errors came without the file and line. */
  @Test
  void rejectsEffectiveTimesOutsideTheVersionKeyRangeNamingTheLine() {
    assertThatThrownBy(
            () ->
                PriceFile.parse(
                    new StringReader("\n*,m,480P,false,CNY,0.1,1013-04-01T00:00:00Z,s\n"),
                    "early.csv"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("early.csv:2:")
        .hasMessageContaining("before 1970");
    assertThatThrownBy(
            () ->
                PriceFile.parse(
                    new StringReader("*,m,480P,false,CNY,0.1,+1000000000-01-01T00:00:00Z,s\n"),
                    "late.csv"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("late.csv:1:");
  }

  @Test
  void versionKeysSortByEffectiveTime() {
    PriceKey key = new PriceKey("*", "wan2.2-i2v-flash", "480p", false);
    assertThat(key.topicKey()).isEqualTo("*|wan2.2-i2v-flash|480P|false");
    String early = key.versionKey(Instant.ofEpochMilli(999));
    String late = key.versionKey(Instant.ofEpochMilli(1_000));
    assertThat(early).isEqualTo("*|wan2.2-i2v-flash|480P|false|0000000000000000999");
    assertThat(early).isLessThan(late);
    assertThat(key.firstVersionKey()).isLessThanOrEqualTo(key.versionKey(Instant.EPOCH));
  }
}
