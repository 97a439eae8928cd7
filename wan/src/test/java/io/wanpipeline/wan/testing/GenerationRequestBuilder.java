package io.wanpipeline.wan.testing;

import io.wanpipeline.wan.GenerationRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link GenerationRequest}s in tests, one field at a time: from nothing ({@link
 * #model(String)}), from a valid preset ({@link #t2v()}, {@link #i2vFlash()}) or from another
 * request ({@link #from(GenerationRequest)}). Presets are accepted by the model catalogue and the
 * Wan simulator as they are.
 */
public final class GenerationRequestBuilder {
  private final String model;
  private String prompt;
  private String negativePrompt;
  private String imgUrl;
  private String firstFrameUrl;
  private String lastFrameUrl;
  private String imageUrl;
  private String audioUrl;
  private String template;
  private final List<String> referenceUrls = new ArrayList<>();
  private final List<GenerationRequest.MediaItem> media = new ArrayList<>();
  private String resolution;
  private String size;
  private String ratio;
  private Integer duration;
  private Boolean promptExtend;
  private Boolean watermark;
  private Boolean audio;
  private Long seed;
  private String shotType;
  private final Map<String, Object> extra = new HashMap<>();
  private String function;
  private String videoUrl;
  private final List<String> refImagesUrl = new ArrayList<>();
  private String maskImageUrl;
  private String maskVideoUrl;
  private String firstClipUrl;
  private String lastClipUrl;

  private GenerationRequestBuilder(String model) {
    this.model = model;
  }

  /** A request for {@code model} with no input and no parameters. */
  public static GenerationRequestBuilder model(String model) {
    return new GenerationRequestBuilder(model);
  }

  /** wan2.6-t2v, 1280*720, 5 s, a prompt. */
  public static GenerationRequestBuilder t2v() {
    return model("wan2.6-t2v").prompt("a lighthouse at dusk").size("1280*720").duration(5);
  }

  /** wan2.2-i2v-flash at 480P from {@link GenerationRequests#IMAGE}, prompt "a cat". */
  public static GenerationRequestBuilder i2vFlash() {
    return model("wan2.2-i2v-flash")
        .prompt("a cat")
        .imgUrl(GenerationRequests.IMAGE)
        .resolution("480P");
  }

  /** Every field of {@code request}, to change some of them. */
  public static GenerationRequestBuilder from(GenerationRequest request) {
    GenerationRequest.Input in = request.input();
    GenerationRequestBuilder b =
        model(request.model())
            .prompt(in.prompt())
            .negativePrompt(in.negativePrompt())
            .imgUrl(in.imgUrl())
            .firstFrameUrl(in.firstFrameUrl())
            .lastFrameUrl(in.lastFrameUrl())
            .imageUrl(in.imageUrl())
            .audioUrl(in.audioUrl())
            .template(in.template())
            .function(in.function())
            .videoUrl(in.videoUrl())
            .maskImageUrl(in.maskImageUrl())
            .maskVideoUrl(in.maskVideoUrl())
            .firstClipUrl(in.firstClipUrl())
            .lastClipUrl(in.lastClipUrl())
            .parameters(request.parameters());
    b.referenceUrls.addAll(in.referenceUrls());
    b.media.addAll(in.media());
    b.refImagesUrl.addAll(in.refImagesUrl());
    return b;
  }

  public GenerationRequestBuilder prompt(String v) {
    prompt = v;
    return this;
  }

  public GenerationRequestBuilder negativePrompt(String v) {
    negativePrompt = v;
    return this;
  }

  public GenerationRequestBuilder imgUrl(String v) {
    imgUrl = v;
    return this;
  }

  public GenerationRequestBuilder firstFrameUrl(String v) {
    firstFrameUrl = v;
    return this;
  }

  public GenerationRequestBuilder lastFrameUrl(String v) {
    lastFrameUrl = v;
    return this;
  }

  public GenerationRequestBuilder imageUrl(String v) {
    imageUrl = v;
    return this;
  }

  public GenerationRequestBuilder audioUrl(String v) {
    audioUrl = v;
    return this;
  }

  public GenerationRequestBuilder template(String v) {
    template = v;
    return this;
  }

  public GenerationRequestBuilder referenceUrl(String v) {
    referenceUrls.add(v);
    return this;
  }

  public GenerationRequestBuilder media(String type, String url) {
    media.add(new GenerationRequest.MediaItem(type, url, null, null));
    return this;
  }

  public GenerationRequestBuilder referenceUrls(List<String> v) {
    referenceUrls.addAll(v);
    return this;
  }

  public GenerationRequestBuilder media(List<GenerationRequest.MediaItem> items) {
    media.addAll(items);
    return this;
  }

  public GenerationRequestBuilder media(GenerationRequest.MediaItem item) {
    media.add(item);
    return this;
  }

  /** Every parameter of {@code p}, replacing those set before. */
  public GenerationRequestBuilder parameters(GenerationRequest.Parameters p) {
    return resolution(p.resolution())
        .size(p.size())
        .ratio(p.ratio())
        .duration(p.duration())
        .promptExtend(p.promptExtend())
        .watermark(p.watermark())
        .audio(p.audio())
        .seed(p.seed())
        .shotType(p.shotType())
        .extra(p.extra());
  }

  public GenerationRequestBuilder resolution(String v) {
    resolution = v;
    return this;
  }

  public GenerationRequestBuilder size(String v) {
    size = v;
    return this;
  }

  public GenerationRequestBuilder ratio(String v) {
    ratio = v;
    return this;
  }

  public GenerationRequestBuilder duration(Integer v) {
    duration = v;
    return this;
  }

  public GenerationRequestBuilder promptExtend(Boolean v) {
    promptExtend = v;
    return this;
  }

  public GenerationRequestBuilder watermark(Boolean v) {
    watermark = v;
    return this;
  }

  public GenerationRequestBuilder audio(Boolean v) {
    audio = v;
    return this;
  }

  public GenerationRequestBuilder seed(Long v) {
    seed = v;
    return this;
  }

  public GenerationRequestBuilder shotType(String v) {
    shotType = v;
    return this;
  }

  public GenerationRequestBuilder extra(String key, Object value) {
    extra.put(key, value);
    return this;
  }

  /** Replaces the extra parameters. */
  public GenerationRequestBuilder extra(Map<String, Object> v) {
    extra.clear();
    extra.putAll(v);
    return this;
  }

  public GenerationRequestBuilder function(String v) {
    function = v;
    return this;
  }

  public GenerationRequestBuilder videoUrl(String v) {
    videoUrl = v;
    return this;
  }

  public GenerationRequestBuilder refImageUrl(String v) {
    refImagesUrl.add(v);
    return this;
  }

  public GenerationRequestBuilder refImagesUrl(List<String> v) {
    refImagesUrl.addAll(v);
    return this;
  }

  public GenerationRequestBuilder maskImageUrl(String v) {
    maskImageUrl = v;
    return this;
  }

  public GenerationRequestBuilder maskVideoUrl(String v) {
    maskVideoUrl = v;
    return this;
  }

  public GenerationRequestBuilder firstClipUrl(String v) {
    firstClipUrl = v;
    return this;
  }

  public GenerationRequestBuilder lastClipUrl(String v) {
    lastClipUrl = v;
    return this;
  }

  public GenerationRequest build() {
    return new GenerationRequest(
        model,
        new GenerationRequest.Input(
            prompt,
            negativePrompt,
            imgUrl,
            firstFrameUrl,
            lastFrameUrl,
            imageUrl,
            audioUrl,
            template,
            referenceUrls,
            media,
            function,
            videoUrl,
            refImagesUrl,
            maskImageUrl,
            maskVideoUrl,
            firstClipUrl,
            lastClipUrl),
        new GenerationRequest.Parameters(
            resolution,
            size,
            ratio,
            duration,
            promptExtend,
            watermark,
            audio,
            seed,
            shotType,
            extra));
  }
}
