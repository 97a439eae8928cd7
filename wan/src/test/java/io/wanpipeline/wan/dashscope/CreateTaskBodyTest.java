package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.Input;
import io.wanpipeline.wan.GenerationRequest.MediaItem;
import io.wanpipeline.wan.GenerationRequest.Parameters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CreateTaskBodyTest {

  @Test
  void writesImageToVideoBodyInSnakeCaseWithoutNulls() {
    GenerationRequest request =
        new GenerationRequest(
            "wan2.2-i2v-flash",
            new Input(
                "a cat",
                "blurry",
                "https://e.com/cat.png",
                null,
                null,
                null,
                null,
                "flying",
                null,
                null),
            new Parameters("480P", null, null, 5, true, false, null, 42L, null, Map.of()));

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
        new GenerationRequest(
            "wan2.7-r2v",
            new Input(
                "character1 waves",
                null,
                null,
                "https://e.com/f.png",
                "https://e.com/l.png",
                "https://e.com/p.jpg",
                "https://e.com/a.mp3",
                null,
                List.of("https://e.com/r1.mp4"),
                List.of(
                    new MediaItem(
                        "reference_image",
                        "https://e.com/r.png",
                        "https://e.com/v.mp3",
                        "the hero"),
                    new MediaItem("reference_video", "https://e.com/r.mp4", null, null))),
            new Parameters(
                "1080P",
                "1920*1080",
                "16:9",
                10,
                null,
                null,
                true,
                null,
                "multi",
                Map.of("audio_setting", "auto", "enable_overlays", List.of())));

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
        new GenerationRequest(
            "wanx2.1-vace-plus",
            new Input(
                "a fox in the snow",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(),
                List.of(),
                "image_reference",
                null,
                List.of("https://e.com/fox.png", "https://e.com/snow.png"),
                null,
                null,
                null,
                null),
            new Parameters(
                null,
                "1280*720",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                Map.of("obj_or_bg", List.of("obj", "bg"), "strength", 0.5)));

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
        new GenerationRequest(
            "wan2.2-animate-move",
            new Input(
                null,
                null,
                null,
                null,
                null,
                "https://e.com/person.png",
                null,
                null,
                List.of(),
                List.of(),
                null,
                "https://e.com/dance.mp4",
                List.of(),
                null,
                null,
                null,
                null),
            new Parameters(
                null, null, null, null, null, true, null, null, null, Map.of("mode", "wan-std")));

    JsonNode body = CreateTaskBody.of(request, Fixtures.MAPPER);

    assertThat(body.get("input").get("image_url").asText()).isEqualTo("https://e.com/person.png");
    assertThat(body.get("input").get("video_url").asText()).isEqualTo("https://e.com/dance.mp4");
    assertThat(body.get("input").get("watermark").asBoolean()).isTrue();
    assertThat(body.get("parameters").has("watermark")).isFalse();
    assertThat(body.get("parameters").get("mode").asText()).isEqualTo("wan-std");
  }
}
