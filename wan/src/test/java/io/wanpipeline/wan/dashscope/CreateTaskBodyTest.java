package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.MediaItem;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class CreateTaskBodyTest {

  @Test
  void writesImageToVideoBodyInSnakeCaseWithoutNulls() {
    GenerationRequest request =
        GenerationRequestBuilder.model("wan2.2-i2v-flash")
            .prompt("a cat")
            .negativePrompt("blurry")
            .imgUrl("https://e.com/cat.png")
            .template("flying")
            .resolution("480P")
            .duration(5)
            .promptExtend(true)
            .watermark(false)
            .seed(42L)
            .build();

    JsonNode body = CreateTaskBody.of(request, Fixtures.MAPPER);

    assertThat(body.get("model").asText()).isEqualTo("wan2.2-i2v-flash");
    JsonNode input = body.get("input");
    assertThat(input.get("prompt").asText()).isEqualTo("a cat");
    assertThat(input.get("negative_prompt").asText()).isEqualTo("blurry");
    assertThat(input.get("img_url").asText()).isEqualTo("https://e.com/cat.png");
    assertThat(input.get("template").asText()).isEqualTo("flying");
    assertThat(input.has("first_frame_url")).isFalse();
    assertThat(input.has("reference_urls")).as("empty lists are left out").isFalse();
    assertThat(input.has("media")).isFalse();
    JsonNode params = body.get("parameters");
    assertThat(params.get("resolution").asText()).isEqualTo("480P");
    assertThat(params.get("duration").asInt()).isEqualTo(5);
    assertThat(params.get("prompt_extend").asBoolean()).isTrue();
    assertThat(params.get("watermark").asBoolean()).isFalse();
    assertThat(params.get("seed").asLong()).isEqualTo(42L);
    assertThat(params.has("size")).isFalse();
    assertThat(params.has("audio")).isFalse();
    assertThat(params.size()).isEqualTo(5);
  }

  @Test
  void writesMediaReferencesAndExtraParameters() {
    GenerationRequest request =
        GenerationRequestBuilder.model("wan2.7-r2v")
            .prompt("character1 waves")
            .firstFrameUrl("https://e.com/f.png")
            .lastFrameUrl("https://e.com/l.png")
            .imageUrl("https://e.com/p.jpg")
            .audioUrl("https://e.com/a.mp3")
            .referenceUrl("https://e.com/r1.mp4")
            .media(
                new MediaItem(
                    "reference_image", "https://e.com/r.png", "https://e.com/v.mp3", "the hero"))
            .media("reference_video", "https://e.com/r.mp4")
            .resolution("1080P")
            .size("1920*1080")
            .ratio("16:9")
            .duration(10)
            .audio(true)
            .shotType("multi")
            .extra("audio_setting", "auto")
            .extra("enable_overlays", List.of())
            .build();

    JsonNode body = CreateTaskBody.of(request, Fixtures.MAPPER);

    JsonNode input = body.get("input");
    assertThat(input.get("first_frame_url").asText()).isEqualTo("https://e.com/f.png");
    assertThat(input.get("last_frame_url").asText()).isEqualTo("https://e.com/l.png");
    assertThat(input.get("image_url").asText()).isEqualTo("https://e.com/p.jpg");
    assertThat(input.get("audio_url").asText()).isEqualTo("https://e.com/a.mp3");
    assertThat(input.get("reference_urls").get(0).asText()).isEqualTo("https://e.com/r1.mp4");
    JsonNode media0 = input.get("media").get(0);
    assertThat(media0.get("type").asText()).isEqualTo("reference_image");
    assertThat(media0.get("reference_voice").asText()).isEqualTo("https://e.com/v.mp3");
    assertThat(media0.get("reference_description").asText()).isEqualTo("the hero");
    assertThat(input.get("media").get(1).has("reference_voice")).isFalse();
    JsonNode params = body.get("parameters");
    assertThat(params.get("size").asText()).isEqualTo("1920*1080");
    assertThat(params.get("ratio").asText()).isEqualTo("16:9");
    assertThat(params.get("audio").asBoolean()).isTrue();
    assertThat(params.get("shot_type").asText()).isEqualTo("multi");
    assertThat(params.get("audio_setting").asText()).isEqualTo("auto");
    assertThat(params.has("enable_overlays")).isFalse();
  }

  @Test
  void writesEmptyObjectsForAnEmptyRequest() {
    JsonNode body = CreateTaskBody.of(new GenerationRequest("m", null, null), Fixtures.MAPPER);
    assertThat(body.get("input").size()).isZero();
    assertThat(body.get("parameters").size()).isZero();
  }

  /**
   * The official wanx2.1-vace-plus example: function and images in input, obj_or_bg in parameters.
   */
  @Test
  void writesTheVaceInputsAndTheirParameters() {
    GenerationRequest request =
        GenerationRequestBuilder.model("wanx2.1-vace-plus")
            .prompt("a fox in the snow")
            .function("image_reference")
            .refImageUrl("https://e.com/fox.png")
            .refImageUrl("https://e.com/snow.png")
            .size("1280*720")
            .extra("obj_or_bg", List.of("obj", "bg"))
            .extra("strength", 0.5)
            .build();

    JsonNode body = CreateTaskBody.of(request, Fixtures.MAPPER);

    JsonNode input = body.get("input");
    assertThat(input.get("function").asText()).isEqualTo("image_reference");
    assertThat(input.get("ref_images_url"))
        .extracting(JsonNode::asText)
        .containsExactly("https://e.com/fox.png", "https://e.com/snow.png");
    assertThat(input.has("video_url")).isFalse();
    assertThat(input.has("mask_image_url")).isFalse();
    JsonNode params = body.get("parameters");
    assertThat(params.get("obj_or_bg")).extracting(JsonNode::asText).containsExactly("obj", "bg");
    assertThat(params.get("strength").isNumber()).isTrue();
    assertThat(params.get("size").asText()).isEqualTo("1280*720");
  }

  /** The official wan2.2-animate-move example puts watermark in input, next to the two inputs. */
  @Test
  void writesTheAnimateWatermarkInInput() {
    GenerationRequest request =
        GenerationRequestBuilder.model("wan2.2-animate-move")
            .imageUrl("https://e.com/person.png")
            .videoUrl("https://e.com/dance.mp4")
            .watermark(true)
            .extra("mode", "wan-std")
            .build();

    JsonNode body = CreateTaskBody.of(request, Fixtures.MAPPER);

    assertThat(body.get("input").get("image_url").asText()).isEqualTo("https://e.com/person.png");
    assertThat(body.get("input").get("video_url").asText()).isEqualTo("https://e.com/dance.mp4");
    assertThat(body.get("input").get("watermark").asBoolean()).isTrue();
    assertThat(body.get("parameters").has("watermark")).isFalse();
    assertThat(body.get("parameters").get("mode").asText()).isEqualTo("wan-std");
  }
}
