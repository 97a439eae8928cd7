package io.wanpipeline.wan.dialect.apiyi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.MediaItem;
import io.wanpipeline.wan.dashscope.CreateTaskBody;
import io.wanpipeline.wan.dialect.newapi.NewApiFixtures;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import org.junit.jupiter.api.Test;

/**
 * What APIYI's passthrough receives: the native body with every {@code input.media[]} item and
 * field, since dropped media fail upstream with {@code [InvalidParameter] Field required:
 * input.media}.
 */
class ApiyiCreateBodyTest {

  /** The body as the client sends it, read back (numbers compare by value, not by node type). */
  private static JsonNode onTheWire(GenerationRequest request) throws Exception {
    return NewApiFixtures.MAPPER.readTree(
        NewApiFixtures.MAPPER.writeValueAsBytes(CreateTaskBody.of(request, NewApiFixtures.MAPPER)));
  }

  @Test
  void wan27ImageToVideoKeepsEveryMediaItemInOrder() throws Exception {
    GenerationRequest request =
        GenerationRequestBuilder.model("wan2.7-i2v")
            .prompt("she raps to the beat")
            .negativePrompt("blurry")
            .media("first_frame", "https://example.com/face.png")
            .media("last_frame", "https://example.com/end.png")
            .media("driving_audio", "https://example.com/rap.mp3")
            .resolution("1080P")
            .duration(10)
            .promptExtend(true)
            .watermark(false)
            .seed(42L)
            .build();

    assertThat(onTheWire(request)).isEqualTo(NewApiFixtures.json("apiyi", "create-wan27-i2v.json"));
  }

  @Test
  void wan27ReferenceToVideoKeepsTheVoiceAndDescriptionOfAReference() throws Exception {
    GenerationRequest request =
        GenerationRequestBuilder.model("wan2.7-r2v")
            .prompt("image 1 talks to video 1")
            .media(
                new MediaItem(
                    "reference_image",
                    "https://example.com/a.png",
                    "https://example.com/voice.mp3",
                    "the host"))
            .media("reference_video", "https://example.com/b.mp4")
            .resolution("720P")
            .ratio("16:9")
            .duration(8)
            .build();

    assertThat(onTheWire(request)).isEqualTo(NewApiFixtures.json("apiyi", "create-wan27-r2v.json"));
  }
}
