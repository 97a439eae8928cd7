package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.VideoParameters;
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

  @Test
  void everyVideoEditingInputAndParameterArrivesByItsWireName() {
    VideoRequest r = Requests.i2v("r4");
    r.getInput().setFunction("video_edit");
    r.getInput().setVideoUrl("https://example.com/v.mp4");
    r.getInput().setRefImagesUrl(java.util.List.of("https://example.com/ref.png"));
    r.getInput().setMaskImageUrl("https://example.com/mask.png");
    r.getInput().setMaskVideoUrl("https://example.com/mask.mp4");
    r.getInput().setFirstClipUrl("https://example.com/first.mp4");
    r.getInput().setLastClipUrl("https://example.com/last.mp4");
    VideoParameters p = r.getParameters();
    p.setMode("wan-pro");
    p.setCheckImage(false);
    p.setObjOrBg(java.util.List.of("obj"));
    p.setControlCondition("depth");
    p.setStrength(0.5);
    p.setMaskType("tracking");
    p.setExpandRatio(0.05);
    p.setExpandMode("hull");
    p.setMaskFrameId(3);
    p.setTopScale(1.1);
    p.setBottomScale(1.2);
    p.setLeftScale(1.3);
    p.setRightScale(1.4);

    GenerationRequest g = RequestMapper.toGeneration(r);

    assertThat(g.input().function()).isEqualTo("video_edit");
    assertThat(g.input().videoUrl()).isEqualTo("https://example.com/v.mp4");
    assertThat(g.input().refImagesUrl()).containsExactly("https://example.com/ref.png");
    assertThat(g.input().maskImageUrl()).isEqualTo("https://example.com/mask.png");
    assertThat(g.input().maskVideoUrl()).isEqualTo("https://example.com/mask.mp4");
    assertThat(g.input().firstClipUrl()).isEqualTo("https://example.com/first.mp4");
    assertThat(g.input().lastClipUrl()).isEqualTo("https://example.com/last.mp4");
    assertThat(g.parameters().extra())
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.ofEntries(
                java.util.Map.entry("mode", "wan-pro"),
                java.util.Map.entry("check_image", false),
                java.util.Map.entry("obj_or_bg", java.util.List.of("obj")),
                java.util.Map.entry("control_condition", "depth"),
                java.util.Map.entry("strength", 0.5),
                java.util.Map.entry("mask_type", "tracking"),
                java.util.Map.entry("expand_ratio", 0.05),
                java.util.Map.entry("expand_mode", "hull"),
                java.util.Map.entry("mask_frame_id", 3),
                java.util.Map.entry("top_scale", 1.1),
                java.util.Map.entry("bottom_scale", 1.2),
                java.util.Map.entry("left_scale", 1.3),
                java.util.Map.entry("right_scale", 1.4)));
  }
}
