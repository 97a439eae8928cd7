package io.wanpipeline.wan.dialect.mulerouter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.Input;
import io.wanpipeline.wan.GenerationRequest.Parameters;
import io.wanpipeline.wan.dialect.DialectFixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MuleRouterBodyTest {

  @Test
  void templateExampleOfTheSeedIsAFlatBodyWithImgUrlAsImage() {
    GenerationRequest request =
        new GenerationRequest(
            "wan2.2-i2v-flash",
            new Input(
                "Gentle motion, camera slowly pans right",
                null,
                "https://example.com/scene.jpg",
                null,
                null,
                null,
                null,
                "solaron",
                null,
                null),
            new Parameters("720P", null, null, 5, null, null, null, null, null, Map.of()));

    ObjectNode body = MuleRouterBody.of(request, DialectFixtures.MAPPER);

    assertThat(DialectFixtures.wire(body))
        .isEqualTo(DialectFixtures.json("mulerouter", "create-request-seed.json"));
    assertThat(body.has("model")).as("the model is in the path, not the body").isFalse();
    assertThat(body.has("input")).isFalse();
    assertThat(body.has("parameters")).isFalse();
  }

  @Test
  void dataUriNegativePromptSeedSafetyFilterAndPromptExtendAreCarried() {
    GenerationRequest request =
        new GenerationRequest(
            "wan2.2-i2v-flash",
            new Input(
                "Subject starts moving slowly",
                "blurry",
                "data:image/jpeg;base64,/9j/4AAQSkZJRg",
                null,
                null,
                null,
                null,
                null,
                null,
                null),
            new Parameters(
                "480P",
                null,
                null,
                5,
                false,
                true,
                null,
                1073741823L,
                null,
                Map.of("safety_filter", false)));

    ObjectNode body = MuleRouterBody.of(request, DialectFixtures.MAPPER);

    assertThat(body.path("image").asText()).isEqualTo("data:image/jpeg;base64,/9j/4AAQSkZJRg");
    assertThat(body.path("negative_prompt").asText()).isEqualTo("blurry");
    assertThat(body.path("prompt_extend").asBoolean(true)).isFalse();
    assertThat(body.path("seed").asLong()).isEqualTo(1073741823L);
    assertThat(body.path("safety_filter").asBoolean(true)).isFalse();
    assertThat(body.has("watermark")).as("MuleRouter documents no watermark field").isFalse();
  }

  @Test
  void keyframesBecomeImageAndLastFrameAndShotTypeBecomesMultiShots() {
    GenerationRequest kf2v =
        new GenerationRequest(
            "wan2.1-kf2v-plus",
            new Input(
                "morph",
                null,
                null,
                "https://example.com/a.png",
                "https://example.com/b.png",
                null,
                null,
                null,
                null,
                null),
            new Parameters(null, null, null, null, null, null, null, null, "multi", Map.of()));

    ObjectNode body = MuleRouterBody.of(kf2v, DialectFixtures.MAPPER);

    assertThat(body.path("image").asText()).isEqualTo("https://example.com/a.png");
    assertThat(body.path("last_frame").asText()).isEqualTo("https://example.com/b.png");
    assertThat(body.path("multi_shots").asBoolean()).isTrue();
    assertThat(body.has("shot_type")).isFalse();
  }
}
