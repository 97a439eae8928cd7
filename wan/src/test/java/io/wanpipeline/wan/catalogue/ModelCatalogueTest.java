package io.wanpipeline.wan.catalogue;

import static io.wanpipeline.wan.testing.GenerationRequestBuilder.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ModelCatalogueTest {
  private final ModelCatalogue catalogue = ModelCatalogue.standard();

  /** Every model id named in docs/protocol.md 1.4, 1.9 and 2, with its endpoint and task. */
  static Stream<Arguments> protocolModels() {
    return Stream.of(
        Arguments.of("wanx2.1-t2v-turbo", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.T2V),
        Arguments.of("wanx2.1-t2v-plus", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.T2V),
        Arguments.of("wanx2.1-i2v-turbo", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.I2V),
        Arguments.of("wanx2.1-i2v-plus", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.I2V),
        Arguments.of("wanx2.1-kf2v-plus", Endpoint.IMAGE2VIDEO, Family.WAN21, TaskKind.KF2V),
        Arguments.of("wanx2.1-vace-plus", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.VACE),
        Arguments.of("wan2.1-t2v-turbo", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.T2V),
        Arguments.of("wan2.1-t2v-plus", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.T2V),
        Arguments.of("wan2.1-i2v-turbo", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.I2V),
        Arguments.of("wan2.1-i2v-plus", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.I2V),
        Arguments.of("wan2.1-kf2v-plus", Endpoint.IMAGE2VIDEO, Family.WAN21, TaskKind.KF2V),
        Arguments.of("wan2.1-vace-plus", Endpoint.VIDEO_GENERATION, Family.WAN21, TaskKind.VACE),
        Arguments.of("wan2.2-t2v-plus", Endpoint.VIDEO_GENERATION, Family.WAN22, TaskKind.T2V),
        Arguments.of("wan2.2-i2v-flash", Endpoint.VIDEO_GENERATION, Family.WAN22, TaskKind.I2V),
        Arguments.of("wan2.2-i2v-plus", Endpoint.VIDEO_GENERATION, Family.WAN22, TaskKind.I2V),
        Arguments.of("wan2.2-kf2v-flash", Endpoint.IMAGE2VIDEO, Family.WAN22, TaskKind.KF2V),
        Arguments.of("wan2.2-s2v", Endpoint.IMAGE2VIDEO, Family.WAN22, TaskKind.S2V),
        Arguments.of("wan2.2-animate-move", Endpoint.IMAGE2VIDEO, Family.WAN22, TaskKind.ANIMATE),
        Arguments.of("wan2.2-animate-mix", Endpoint.IMAGE2VIDEO, Family.WAN22, TaskKind.ANIMATE),
        Arguments.of("wan2.5-t2v-preview", Endpoint.VIDEO_GENERATION, Family.WAN25, TaskKind.T2V),
        Arguments.of("wan2.5-i2v-preview", Endpoint.VIDEO_GENERATION, Family.WAN25, TaskKind.I2V),
        Arguments.of("wan2.6-t2v", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.T2V),
        Arguments.of("wan2.6-t2v-us", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.T2V),
        Arguments.of("wan2.6-i2v", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.I2V),
        Arguments.of("wan2.6-i2v-us", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.I2V),
        Arguments.of("wan2.6-i2v-flash", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.I2V),
        Arguments.of("wan2.6-r2v", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.R2V),
        Arguments.of("wan2.6-r2v-us", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.R2V),
        Arguments.of("wan2.6-r2v-flash", Endpoint.VIDEO_GENERATION, Family.WAN26, TaskKind.R2V),
        Arguments.of("wan2.7-t2v", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.T2V),
        Arguments.of(
            "wan2.7-t2v-2026-04-25", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.T2V),
        Arguments.of(
            "wan2.7-t2v-2026-06-12", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.T2V),
        Arguments.of("wan2.7-i2v", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.I2V),
        Arguments.of(
            "wan2.7-i2v-2026-04-25", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.I2V),
        Arguments.of("wan2.7-r2v", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.R2V),
        Arguments.of(
            "wan2.7-r2v-2026-06-12", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.R2V),
        Arguments.of("wan2.7-videoedit", Endpoint.VIDEO_GENERATION, Family.WAN27, TaskKind.EDIT),
        Arguments.of(
            "happyhorse-1.0-t2v", Endpoint.VIDEO_GENERATION, Family.HAPPYHORSE, TaskKind.T2V),
        Arguments.of(
            "happyhorse-1.0-i2v", Endpoint.VIDEO_GENERATION, Family.HAPPYHORSE, TaskKind.I2V),
        Arguments.of(
            "happyhorse-1.0-r2v", Endpoint.VIDEO_GENERATION, Family.HAPPYHORSE, TaskKind.R2V),
        Arguments.of(
            "happyhorse-1.0-video-edit",
            Endpoint.VIDEO_GENERATION,
            Family.HAPPYHORSE,
            TaskKind.EDIT),
        Arguments.of(
            "happyhorse-1.1-t2v", Endpoint.VIDEO_GENERATION, Family.HAPPYHORSE, TaskKind.T2V),
        Arguments.of(
            "happyhorse-1.1-i2v", Endpoint.VIDEO_GENERATION, Family.HAPPYHORSE, TaskKind.I2V),
        Arguments.of(
            "happyhorse-1.1-r2v", Endpoint.VIDEO_GENERATION, Family.HAPPYHORSE, TaskKind.R2V));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("protocolModels")
  void knowsEveryProtocolModelWithItsEndpoint(
      String id, Endpoint endpoint, Family family, TaskKind task) {
    ModelSpec spec = catalogue.require(id);

    assertThat(spec.endpoint()).isEqualTo(endpoint);
    assertThat(spec.family()).isEqualTo(family);
    assertThat(spec.task()).isEqualTo(task);
    assertThat(spec.regions()).as("regions of %s", id).isNotEmpty();
  }

  @Test
  void listsNoModelBeyondTheProtocolNotes() {
    List<String> expected = protocolModels().map(a -> (String) a.get()[0]).toList();

    assertThat(catalogue.all())
        .extracting(ModelSpec::id)
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void servesOnlyFrameSpeechAndAnimateModelsOnImage2video() {
    assertThat(catalogue.all())
        .allSatisfy(
            s ->
                assertThat(s.endpoint() == Endpoint.IMAGE2VIDEO)
                    .as("%s on image2video", s.id())
                    .isEqualTo(
                        s.task() == TaskKind.KF2V
                            || s.task() == TaskKind.S2V
                            || s.task() == TaskKind.ANIMATE));
  }

  @Test
  void usesTheMediaProtocolExactlyForWan27AndHappyHorse() {
    assertThat(catalogue.all())
        .allSatisfy(
            s ->
                assertThat(s.protocol())
                    .as(s.id())
                    .isEqualTo(
                        s.family() == Family.WAN27 || s.family() == Family.HAPPYHORSE
                            ? RequestProtocol.MEDIA
                            : RequestProtocol.LEGACY));
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "832*480, 480P",
    "480*832, 480P",
    "624*624, 480P",
    "1280*720, 720P",
    "720*1280, 720P",
    "960*960, 720P",
    "1088*832, 720P",
    "832*1088, 720P",
    "1104*832, 720P",
    "1920*1080, 1080P",
    "1080*1920, 1080P",
    "1440*1440, 1080P",
    "1632*1248, 1080P",
    "1248*1632, 1080P",
    "1648*1248, 1080P"
  })
  void mapsEverySizeOfTheSizeTableToItsTier(String size, String tier) {
    assertThat(Tiers.ofSize(size)).contains(tier);
  }

  @Test
  void rejectsValuesThatAreNotSizes() {
    assertThat(Tiers.ofSize("1280x720")).isEmpty();
    assertThat(Tiers.ofSize("720P")).isEmpty();
    assertThat(Tiers.ofSize(null)).isEmpty();
  }

  @Test
  void derivesTheAcceptedSizesOfSizeModelsFromTheirTiers() {
    assertThat(catalogue.require("wan2.6-t2v").sizes())
        .containsExactly(
            "1280*720",
            "720*1280",
            "960*960",
            "1088*832",
            "832*1088",
            "1920*1080",
            "1080*1920",
            "1440*1440",
            "1632*1248",
            "1248*1632");
    assertThat(catalogue.require("wan2.2-t2v-plus").sizes())
        .containsExactly(
            "832*480",
            "480*832",
            "624*624",
            "1920*1080",
            "1080*1920",
            "1440*1440",
            "1632*1248",
            "1248*1632");
    assertThat(catalogue.require("wan2.2-i2v-flash").sizes()).isEmpty();
  }

  @Test
  void tierOfFollowsResolutionThenSizeThenModelDefault() {
    ModelSpec flash = catalogue.require("wan2.2-i2v-flash");

    assertThat(flash.tierOf(model("wan2.2-i2v-flash").resolution("480P").build()))
        .isEqualTo("480P");
    assertThat(flash.tierOf(model("wan2.2-i2v-flash").size("832*480").build())).isEqualTo("480P");
    assertThat(flash.tierOf(model("wan2.2-i2v-flash").build())).isEqualTo("720P");
    assertThat(flash.tierOf(model("wan2.2-i2v-flash").resolution("480P").size("1280*720").build()))
        .as("the SDK sends size 1280*720 with every request; an i2v model uses resolution")
        .isEqualTo("480P");
  }

  @Test
  void tierOfSizeModelsFollowsSizeFirst() {
    ModelSpec t2v = catalogue.require("wan2.6-t2v");

    assertThat(t2v.tierOf(model("wan2.6-t2v").size("1280*720").resolution("1080P").build()))
        .isEqualTo("720P");
    assertThat(t2v.tierOf(model("wan2.6-t2v").build())).isEqualTo("1080P");
    assertThat(catalogue.require("wan2.2-t2v-plus").tierOf(model("wan2.2-t2v-plus").build()))
        .isEqualTo("1080P");
    assertThat(catalogue.require("wanx2.1-t2v-turbo").tierOf(model("wanx2.1-t2v-turbo").build()))
        .isEqualTo("720P");
  }

  @Test
  void durationRulesAcceptWhatTheProviderAccepts() {
    DurationRule fixed = catalogue.require("wan2.2-i2v-flash").duration();
    DurationRule fiveOrTen = catalogue.require("wan2.5-i2v-preview").duration();
    DurationRule range = catalogue.require("wan2.6-t2v").duration();

    assertThat(fixed.kind()).isEqualTo(DurationRule.Kind.FIXED);
    assertThat(fixed.accepts(5)).isTrue();
    assertThat(fixed.accepts(10)).isFalse();
    assertThat(fixed.accepts(0)).isFalse();
    assertThat(fixed.description()).isEqualTo("5");

    assertThat(fiveOrTen.accepts(5)).isTrue();
    assertThat(fiveOrTen.accepts(10)).isTrue();
    assertThat(fiveOrTen.accepts(7)).isFalse();
    assertThat(fiveOrTen.description()).isEqualTo("5 or 10");

    assertThat(range.accepts(1)).isFalse();
    assertThat(range.accepts(2)).isTrue();
    assertThat(range.accepts(9)).isTrue();
    assertThat(range.accepts(15)).isTrue();
    assertThat(range.accepts(16)).isFalse();
    assertThat(range.description()).isEqualTo("2 to 15");

    assertThat(catalogue.require("wan2.6-i2v").duration().description()).isEqualTo("5, 10 or 15");
    assertThat(catalogue.require("happyhorse-1.0-t2v").duration().description())
        .isEqualTo("3 to 15");
  }

  @Test
  void editAndSpeechModelsFollowTheirInput() {
    DurationRule edit = catalogue.require("wan2.7-videoedit").duration();
    DurationRule s2v = catalogue.require("wan2.2-s2v").duration();

    assertThat(edit.accepts(0)).as("0 keeps the source length").isTrue();
    assertThat(edit.accepts(10)).isTrue();
    assertThat(edit.accepts(11)).isFalse();
    assertThat(edit.secondsPhrase()).isEqualTo("2 to 10 seconds, or 0 to follow the input video");
    assertThat(s2v.takesParameter()).isFalse();
    assertThat(s2v.followsInput()).isTrue();
    assertThat(s2v.description()).isEqualTo("the length of input.audio_url");
  }

  @Test
  void durationOfIsTheRequestedLengthOrTheModelDefault() {
    ModelSpec t2v = catalogue.require("wan2.6-t2v");
    ModelSpec s2v = catalogue.require("wan2.2-s2v");
    ModelSpec edit = catalogue.require("wan2.7-videoedit");

    assertThat(t2v.durationOf(model("wan2.6-t2v").duration(12).build())).isEqualTo(12);
    assertThat(t2v.durationOf(model("wan2.6-t2v").build())).isEqualTo(5);
    assertThat(s2v.durationOf(model("wan2.2-s2v").duration(12).build()))
        .as("s2v ignores duration; nominal length")
        .isEqualTo(5);
    assertThat(edit.durationOf(model("wan2.7-videoedit").duration(0).build())).isEqualTo(5);
    assertThat(edit.durationOf(model("wan2.7-videoedit").duration(8).build())).isEqualTo(8);
  }

  @Test
  void requireNamesTheFamilyModelsOfAnUnknownId() {
    assertThatThrownBy(() -> catalogue.require("wan2.2-i2v-fast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown model 'wan2.2-i2v-fast'; known wan2.2 models: ")
        .hasMessageContaining("wan2.2-i2v-flash, wan2.2-i2v-plus");
    assertThatThrownBy(() -> catalogue.require("sora-2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown model 'sora-2'; known families: wan2.1 (e.g. wanx2.1-t2v-turbo), wan2.2"
                + " (e.g. wan2.2-t2v-plus), wan2.5 (e.g. wan2.5-t2v-preview), wan2.6 (e.g."
                + " wan2.6-t2v), wan2.7 (e.g. wan2.7-t2v), happyhorse (e.g. happyhorse-1.0-t2v)");
    assertThat(catalogue.find("WAN2.2-I2V-FLASH")).as("ids are exact").isEmpty();
  }

  @Test
  void offersModelsInTheirRegionsWithTheirDefaultLimits() {
    ModelSpec flash = catalogue.require("wan2.2-i2v-flash");

    assertThat(flash.regions()).containsExactly(Region.CN);
    assertThat(flash.limitsIn(Region.CN)).contains(new ProviderLimits(2, 2));
    assertThat(flash.limitsIn(Region.INTL)).isEmpty();
    assertThat(catalogue.require("wan2.1-kf2v-plus").limitsIn(Region.INTL))
        .contains(new ProviderLimits(1, 2));
    assertThat(catalogue.require("wan2.2-s2v").limitsIn(Region.CN))
        .contains(new ProviderLimits(5, 1));
    assertThat(catalogue.require("wan2.7-i2v").limitsIn(Region.INTL))
        .contains(new ProviderLimits(5, 5));
    assertThat(catalogue.require("happyhorse-1.0-r2v").limitsIn(Region.US))
        .contains(new ProviderLimits(10, 5));
    assertThat(catalogue.require("happyhorse-1.1-r2v").availableIn(Region.US)).isFalse();
    assertThat(catalogue.require("wan2.6-t2v").regions())
        .containsExactly(Region.CN, Region.INTL, Region.US, Region.EU);
    assertThat(catalogue.require("wan2.6-t2v-us").regions()).containsExactly(Region.US);
    assertThat(catalogue.require("wanx2.1-t2v-turbo").regions()).containsExactly(Region.CN);
    assertThat(catalogue.require("wan2.1-t2v-turbo").regions()).containsExactly(Region.INTL);
  }

  @Test
  void onlyFlashModelsPriceByAudio() {
    assertThat(catalogue.all())
        .filteredOn(ModelSpec::audioAffectsPrice)
        .extracting(ModelSpec::id)
        .containsExactly("wan2.6-i2v-flash", "wan2.6-r2v-flash");
  }

  @Test
  void truncatesPromptsAtTheModelLimitInsteadOfRefusing() {
    ModelSpec flash = catalogue.require("wan2.2-i2v-flash");
    ModelSpec horse = catalogue.require("happyhorse-1.0-t2v");
    String long900 = "a".repeat(900);

    assertThat(flash.effectivePrompt(long900)).hasSize(800);
    assertThat(flash.truncatesPrompt(long900)).isTrue();
    assertThat(flash.effectivePrompt("short")).isEqualTo("short");
    assertThat(flash.effectiveNegativePrompt("n".repeat(600))).hasSize(500);
    assertThat(horse.effectivePrompt("b".repeat(6000))).hasSize(5000);
    assertThat(horse.effectivePrompt("马".repeat(3000))).hasSize(2500);
    assertThat(flash.effectivePrompt(null)).isNull();
  }

  @Test
  void describesMediaRulesOfWan27ImageToVideo() {
    MediaRules media = catalogue.require("wan2.7-i2v").inputs().media();

    assertThat(media.combinationPhrases())
        .containsExactly(
            "first_frame",
            "first_frame+driving_audio",
            "first_frame+last_frame",
            "first_frame+last_frame+driving_audio",
            "first_clip",
            "first_clip+last_frame");
  }

  @Test
  void parsesRegionCodesAndAliases() {
    assertThat(Region.parse("intl")).contains(Region.INTL);
    assertThat(Region.parse("Singapore")).contains(Region.INTL);
    assertThat(Region.parse("cn-beijing")).contains(Region.CN);
    assertThat(Region.parse("mars")).isEmpty();
  }

  @Test
  void refusesCatalogueDataWithAnUnknownKey() {
    String json =
        """
        {"sizeTiers": {"720P": ["1280*720"]},
         "models": [{"id": "m", "family": "WAN22", "task": "I2V", "endpoint": "VIDEO_GENERATION",
           "protocol": "LEGACY", "style": "RESOLUTION", "tiers": ["720P"], "defaultTier": "720P",
           "duration": {"fixed": 5}, "promptLimit": 800, "inputz": {}}]}
        """;

    assertThatThrownBy(() -> load(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model m: unknown key inputz");
  }

  @Test
  void refusesADefaultTierTheModelDoesNotSupport() {
    String json =
        """
        {"sizeTiers": {"720P": ["1280*720"]},
         "models": [{"id": "m", "family": "WAN22", "task": "I2V", "endpoint": "VIDEO_GENERATION",
           "protocol": "LEGACY", "style": "RESOLUTION", "tiers": ["480P"], "defaultTier": "720P",
           "duration": {"fixed": 5}, "promptLimit": 800,
           "inputs": {"accepted": ["img_url"], "required": ["img_url"]},
           "regions": {"cn": {"rps": 2, "concurrent": 2}}}]}
        """;

    assertThatThrownBy(() -> load(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("default tier 720P is not among [480P]");
  }

  @Test
  void refusesASizeListedUnderTheWrongTier() {
    String json = "{\"sizeTiers\": {\"720P\": [\"832*480\"]}, \"models\": []}";

    assertThatThrownBy(() -> load(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sizeTiers: 832*480 is listed under 720P but is 480P");
  }

  @Test
  void refusesExtendingAModelNotListedBefore() {
    String json = "{\"sizeTiers\": {}, \"models\": [{\"id\": \"b\", \"extends\": \"a\"}]}";

    assertThatThrownBy(() -> load(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model b extends a, which is not listed before it");
  }

  private static ModelCatalogue load(String json) {
    return ModelCatalogue.load(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }
}
