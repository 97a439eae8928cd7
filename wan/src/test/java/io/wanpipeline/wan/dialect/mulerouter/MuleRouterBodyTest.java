package io.wanpipeline.wan.dialect.mulerouter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.dialect.DialectFixtures;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import org.junit.jupiter.api.Test;

class MuleRouterBodyTest {

  @Test
  void templateExampleOfTheSeedIsAFlatBodyWithImgUrlAsImage() {
    GenerationRequest request =
        GenerationRequestBuilder.model("wan2.2-i2v-flash")
            .prompt("Gentle motion, camera slowly pans right")
            .imgUrl("https://example.com/scene.jpg")
            .template("solaron")
            .resolution("720P")
            .duration(5)
            .build();

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
        GenerationRequestBuilder.model("wan2.2-i2v-flash")
            .prompt("Subject starts moving slowly")
            .negativePrompt("blurry")
            .imgUrl("data:image/jpeg;base64,/9j/4AAQSkZJRg")
            .resolution("480P")
            .duration(5)
            .promptExtend(false)
            .watermark(true)
            .seed(1073741823L)
            .extra("safety_filter", false)
            .build();

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
        GenerationRequestBuilder.model("wan2.1-kf2v-plus")
            .prompt("morph")
            .firstFrameUrl("https://example.com/a.png")
            .lastFrameUrl("https://example.com/b.png")
            .shotType("multi")
            .build();

    ObjectNode body = MuleRouterBody.of(kf2v, DialectFixtures.MAPPER);

    assertThat(body.path("image").asText()).isEqualTo("https://example.com/a.png");
    assertThat(body.path("last_frame").asText()).isEqualTo("https://example.com/b.png");
    assertThat(body.path("multi_shots").asBoolean()).isTrue();
    assertThat(body.has("shot_type")).isFalse();
  }
}
