package io.wanpipeline.wan.dialect.apiyi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.Input;
import io.wanpipeline.wan.GenerationRequest.MediaItem;
import io.wanpipeline.wan.GenerationRequest.Parameters;
import io.wanpipeline.wan.dashscope.CreateTaskBody;
import io.wanpipeline.wan.dialect.newapi.NewApiFixtures;
import java.util.List;
import java.util.Map;
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
        new GenerationRequest(
            "wan2.7-i2v",
            new Input(
                "she raps to the beat",
                "blurry",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(
                    new MediaItem("first_frame", "https://example.com/face.png", null, null),
                    new MediaItem("last_frame", "https://example.com/end.png", null, null),
                    new MediaItem("driving_audio", "https://example.com/rap.mp3", null, null))),
            new Parameters("1080P", null, null, 10, true, false, null, 42L, null, Map.of()));

    assertThat(onTheWire(request)).isEqualTo(NewApiFixtures.json("apiyi", "create-wan27-i2v.json"));
  }

  @Test
  void wan27ReferenceToVideoKeepsTheVoiceAndDescriptionOfAReference() throws Exception {
    GenerationRequest request =
        new GenerationRequest(
            "wan2.7-r2v",
            new Input(
                "image 1 talks to video 1",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                List.of(
                    new MediaItem(
                        "reference_image",
                        "https://example.com/a.png",
                        "https://example.com/voice.mp3",
                        "the host"),
                    new MediaItem("reference_video", "https://example.com/b.mp4", null, null))),
            new Parameters("720P", null, "16:9", 8, null, null, null, null, null, Map.of()));

    assertThat(onTheWire(request)).isEqualTo(NewApiFixtures.json("apiyi", "create-wan27-r2v.json"));
  }
}
