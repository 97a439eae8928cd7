package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.wan.GenerationRequest;
import org.junit.jupiter.api.Test;

class RequestMapperTest {

  @Test
  void copiesModelInputAndParameters() {
    GenerationRequest g = RequestMapper.toGeneration(Requests.i2v("r1"));
    assertThat(g.model()).isEqualTo("wan2.2-i2v-flash");
    assertThat(g.input().prompt()).isEqualTo("a cat surfing");
    assertThat(g.input().imgUrl()).isEqualTo("https://example.com/cat.png");
    assertThat(g.input().negativePrompt()).isNull();
    assertThat(g.parameters().resolution()).isEqualTo("480P");
    assertThat(g.parameters().duration()).isEqualTo(5);
    assertThat(g.parameters().seed()).isNull();
    assertThat(g.parameters().extra()).isEmpty();
  }

  @Test
  void copiesMediaItemsAndReferences() {
    GenerationRequest g = RequestMapper.toGeneration(Requests.media("r2"));
    assertThat(g.input().media())
        .containsExactly(
            new GenerationRequest.MediaItem(
                "first_frame", "https://example.com/f.png", null, null));
    assertThat(g.input().referenceUrls()).containsExactly("https://example.com/r.mp4");
  }

  @Test
  void everyParameterArrives() {
    VideoRequest r = Requests.i2v("r3");
    r.getParameters().setSize("1280*720");
    r.getParameters().setRatio("16:9");
    r.getParameters().setPromptExtend(false);
    r.getParameters().setWatermark(true);
    r.getParameters().setAudio(true);
    r.getParameters().setSeed(42L);
    r.getParameters().setShotType("multi");
    r.getInput().setNegativePrompt("blur");
    r.getInput().setTemplate("flying");
    GenerationRequest.Parameters p = RequestMapper.toGeneration(r).parameters();
    assertThat(p)
        .isEqualTo(
            new GenerationRequest.Parameters(
                "480P",
                "1280*720",
                "16:9",
                5,
                false,
                true,
                true,
                42L,
                "multi",
                java.util.Map.of()));
    assertThat(RequestMapper.toGeneration(r).input().template()).isEqualTo("flying");
    assertThat(RequestMapper.toGeneration(r).input().negativePrompt()).isEqualTo("blur");
  }
}
