package io.wanpipeline.wan.validation;

import static io.wanpipeline.wan.testing.GenerationRequestBuilder.model;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.Region;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The field limits and tier rules of issue 12 (findings 2 and 3): each request here was submitted
 * (and billed or failed) before these checks existed.
 */
class RequestLimitsTest {
  private static final String IMG = "https://example.com/cat.png";

  private final RequestValidator validator = new RequestValidator(ModelCatalogue.standard());

  private List<String> fields(GenerationRequest request) {
    return validator.validate(request, Region.CN).stream().map(Violation::field).toList();
  }

  @Test
  void refusesATierTheSizeModelDoesNotOfferEvenWithoutASize() {
    List<Violation> v =
        validator.validate(model("wan2.2-t2v-plus").prompt("a cat").resolution("720P").build());

    assertThat(v)
        .containsExactly(
            new Violation(
                "parameters.resolution",
                "parameters.resolution: wan2.2-t2v-plus supports 480P and 1080P, not 720P"));
  }

  @Test
  void refusesATierTheSizeModelDoesNotOfferNextToAValidSize() {
    assertThat(
            fields(
                model("wan2.2-t2v-plus")
                    .prompt("a cat")
                    .size("1920*1080")
                    .resolution("720P")
                    .build()))
        .containsExactly("parameters.resolution");
  }

  @Test
  void refusesAResolutionTheSizeModelWouldIgnore() {
    List<Violation> v =
        validator.validate(model("wan2.2-t2v-plus").prompt("a cat").resolution("480P").build());
    assertThat(v)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.field()).isEqualTo("parameters.resolution");
              assertThat(x.message())
                  .contains("ignores resolution", "1920*1080 (1080P)", "832*480");
            });
    assertThat(
            fields(
                model("wan2.2-t2v-plus")
                    .prompt("a cat")
                    .resolution("1080P")
                    .size("832*480")
                    .build()))
        .as("a size of another tier than the resolution")
        .containsExactly("parameters.resolution");
    assertThat(
            fields(
                model("wan2.2-t2v-plus")
                    .prompt("a cat")
                    .resolution("480P")
                    .size("832*480")
                    .build()))
        .as("resolution and size agree")
        .isEmpty();
  }

  @Test
  void acceptsTheDefaultTierOfASizeModelWithoutASize() {
    assertThat(fields(model("wan2.2-t2v-plus").prompt("a cat").resolution("1080P").build()))
        .isEmpty();
    assertThat(fields(model("wan2.2-t2v-plus").prompt("a cat").size("832*480").build())).isEmpty();
  }

  @Test
  void refusesASizeAloneThatTheResolutionModelWouldIgnore() {
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).size("1920*1080").build()))
        .as("1920*1080 is 1080P; wan2.2-i2v-flash makes 480P and 720P")
        .containsExactly("parameters.size");
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).size("832*480").build()))
        .as("without a resolution the provider makes the default 720P, not 480P")
        .containsExactly("parameters.size");
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).size("1280*720").build()))
        .as("a size of the default tier changes nothing")
        .isEmpty();
    assertThat(
            fields(
                model("wan2.2-i2v-flash").imgUrl(IMG).size("1920*1080").resolution("480P").build()))
        .as("with a resolution the size is ignored (the official SDK always sends both)")
        .isEmpty();
  }

  @Test
  void refusesAnUnknownEffectTemplateNamingTheKnownOnes() {
    List<Violation> v =
        validator.validate(
            model("wan2.2-i2v-flash").imgUrl(IMG).template("no-such-effect").build(), Region.CN);

    assertThat(v)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.field()).isEqualTo("input.template");
              assertThat(x.message()).contains("no-such-effect", "flying", "squish", "solaron");
            });
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).template("squish").build())).isEmpty();
  }

  @Test
  void refusesANulCharacterInThePrompt() {
    assertThat(
            validator.validate(
                model("wan2.2-i2v-flash").imgUrl(IMG).prompt("a cat\u0000 sleeps").build()))
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.field()).isEqualTo("input.prompt");
              assertThat(x.message()).contains("NUL", "index 5");
            });
  }

  @Test
  void refusesALoneSurrogateInThePrompt() {
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).prompt("a cat \uD800").build()))
        .containsExactly("input.prompt");
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).prompt("a cat \uDC00 x").build()))
        .containsExactly("input.prompt");
    assertThat(
            fields(model("wan2.2-i2v-flash").imgUrl(IMG).prompt("an invalid \uFFFD byte").build()))
        .as("U+FFFD is what an encoded lone surrogate decodes to")
        .containsExactly("input.prompt");
  }

  @Test
  void acceptsOrdinaryWhitespaceAndSurrogatePairs() {
    assertThat(
            fields(
                model("wan2.2-i2v-flash")
                    .imgUrl(IMG)
                    .prompt("a cat\tsleeps\r\non a mat \uD83D\uDC31 猫")
                    .build()))
        .isEmpty();
  }

  @Test
  void refusesControlCharactersInTheNegativePromptAndTemplate() {
    assertThat(
            fields(
                model("wan2.2-i2v-flash")
                    .imgUrl(IMG)
                    .negativePrompt("blur\u0007")
                    .template("fly\u001Bing")
                    .build()))
        .containsExactly("input.negative_prompt", "input.template");
  }

  @Test
  void refusesAPromptOverTheModelsLimitAsTheProviderCountsIt() {
    String at = "a".repeat(800);
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).prompt(at).build())).isEmpty();
    List<Violation> over =
        validator.validate(model("wan2.2-i2v-flash").imgUrl(IMG).prompt(at + "a").build());
    assertThat(over)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.field()).isEqualTo("input.prompt");
              assertThat(x.message()).contains("801", "800");
            });
    String emoji = "\uD83D\uDC31".repeat(800);
    assertThat(fields(model("wan2.2-i2v-flash").imgUrl(IMG).prompt(emoji).build()))
        .as("800 code points are 1,600 UTF-16 units, and within the limit")
        .isEmpty();
    assertThat(fields(model("happyhorse-1.0-t2v").prompt("马".repeat(2501)).build()))
        .as("HappyHorse counts 2,500 for CJK prompts")
        .containsExactly("input.prompt");
    assertThat(fields(model("happyhorse-1.0-t2v").prompt("b".repeat(5000)).build())).isEmpty();
  }

  @Test
  void refusesANegativePromptOver500Characters() {
    assertThat(
            fields(model("wan2.2-i2v-flash").imgUrl(IMG).negativePrompt("n".repeat(500)).build()))
        .isEmpty();
    assertThat(
            fields(model("wan2.2-i2v-flash").imgUrl(IMG).negativePrompt("n".repeat(501)).build()))
        .containsExactly("input.negative_prompt");
  }

  @Test
  void refusesMediaAndReferenceListsOverTheirBounds() {
    List<GenerationRequest.MediaItem> eleven = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      eleven.add(new GenerationRequest.MediaItem("reference_voice", IMG, null, null));
    }
    eleven.set(0, new GenerationRequest.MediaItem("reference_image", IMG, null, null));
    var r2v = model("wan2.7-r2v").prompt("x");
    eleven.forEach(r2v::media);
    assertThat(fields(r2v.build()))
        .as("reference voices are not counted by the model rule; the list bound still holds")
        .containsExactly("input.media");
    var refs = model("wan2.6-r2v").prompt("x");
    for (int i = 0; i < 11; i++) {
      refs.referenceUrl(IMG);
    }
    assertThat(fields(refs.build())).containsExactly("input.reference_urls");
  }

  @Test
  void refusesAFirstAndLastFrameModelGivenOnlyTheFirstFrame() {
    for (String kf2v : List.of("wan2.2-kf2v-flash", "wanx2.1-kf2v-plus")) {
      assertThat(fields(model(kf2v).firstFrameUrl(IMG).prompt("x").build()))
          .as(kf2v)
          .containsExactly("input.last_frame_url");
      assertThat(fields(model(kf2v).firstFrameUrl(IMG).lastFrameUrl(IMG).build()))
          .as(kf2v)
          .isEmpty();
    }
  }

  @Test
  void idsFollowOneGrammar() {
    assertThat(RequestLimits.idProblem("account_id", "acme:team_1.eu-2")).isEmpty();
    assertThat(RequestLimits.idProblem("account_id", "a".repeat(255))).isEmpty();
    assertThat(RequestLimits.idProblem("account_id", "")).contains("account_id is empty");
    assertThat(RequestLimits.idProblem("account_id", null)).contains("account_id is empty");
    for (String bad : List.of("a|b", "a/b", "a b", "é", "..", ".", "a..b", "a".repeat(256))) {
      assertThat(RequestLimits.idProblem("account_id", bad)).as(bad).isPresent();
    }
  }

  @Test
  void refusesTenThousandMetadataEntries() {
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < 10_000; i++) {
      metadata.put("k" + i, "v");
    }
    assertThat(RequestLimits.metadataProblem(metadata))
        .get()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("metadata");
              assertThat(v.message()).contains("10000", "64");
            });
  }

  @Test
  void boundsMetadataByEntriesBytesAndCharacters() {
    Map<String, String> ok = new LinkedHashMap<>();
    for (int i = 0; i < 64; i++) {
      ok.put("key" + i, "v".repeat(100));
    }
    assertThat(RequestLimits.metadataProblem(ok)).isEmpty();
    ok.put("one-more", "v");
    assertThat(RequestLimits.metadataProblem(ok)).isPresent();

    assertThat(RequestLimits.metadataProblem(Map.of("big", "v".repeat(8 * 1024))))
        .get()
        .satisfies(v -> assertThat(v.message()).contains("8195", "8192"));
    assertThat(RequestLimits.metadataProblem(Map.of("k", "nul\u0000")))
        .get()
        .satisfies(v -> assertThat(v.field()).isEqualTo("metadata[k]"));
    assertThat(RequestLimits.metadataProblem(Map.of("", "v"))).isPresent();
    assertThat(RequestLimits.metadataProblem(Map.of())).isEmpty();
  }
}
