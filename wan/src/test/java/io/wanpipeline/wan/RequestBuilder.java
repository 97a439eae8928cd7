package io.wanpipeline.wan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds {@link GenerationRequest}s in tests, one field at a time. */
public final class RequestBuilder {
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

  private RequestBuilder(String model) {
    this.model = model;
  }

  public static RequestBuilder model(String model) {
    return new RequestBuilder(model);
  }

  public RequestBuilder prompt(String v) {
    prompt = v;
    return this;
  }

  public RequestBuilder negativePrompt(String v) {
    negativePrompt = v;
    return this;
  }

  public RequestBuilder imgUrl(String v) {
    imgUrl = v;
    return this;
  }

  public RequestBuilder firstFrameUrl(String v) {
    firstFrameUrl = v;
    return this;
  }

  public RequestBuilder lastFrameUrl(String v) {
    lastFrameUrl = v;
    return this;
  }

  public RequestBuilder imageUrl(String v) {
    imageUrl = v;
    return this;
  }

  public RequestBuilder audioUrl(String v) {
    audioUrl = v;
    return this;
  }

  public RequestBuilder template(String v) {
    template = v;
    return this;
  }

  public RequestBuilder referenceUrl(String v) {
    referenceUrls.add(v);
    return this;
  }

  public RequestBuilder media(String type, String url) {
    media.add(new GenerationRequest.MediaItem(type, url, null, null));
    return this;
  }

  public RequestBuilder media(GenerationRequest.MediaItem item) {
    media.add(item);
    return this;
  }

  public RequestBuilder resolution(String v) {
    resolution = v;
    return this;
  }

  public RequestBuilder size(String v) {
    size = v;
    return this;
  }

  public RequestBuilder ratio(String v) {
    ratio = v;
    return this;
  }

  public RequestBuilder duration(Integer v) {
    duration = v;
    return this;
  }

  public RequestBuilder audio(Boolean v) {
    audio = v;
    return this;
  }

  public RequestBuilder seed(Long v) {
    seed = v;
    return this;
  }

  public RequestBuilder shotType(String v) {
    shotType = v;
    return this;
  }

  public RequestBuilder extra(String key, Object value) {
    extra.put(key, value);
    return this;
  }

  public RequestBuilder function(String v) {
    function = v;
    return this;
  }

  public RequestBuilder videoUrl(String v) {
    videoUrl = v;
    return this;
  }

  public RequestBuilder refImageUrl(String v) {
    refImagesUrl.add(v);
    return this;
  }

  public RequestBuilder maskImageUrl(String v) {
    maskImageUrl = v;
    return this;
  }

  public RequestBuilder maskVideoUrl(String v) {
    maskVideoUrl = v;
    return this;
  }

  public RequestBuilder firstClipUrl(String v) {
    firstClipUrl = v;
    return this;
  }

  public RequestBuilder lastClipUrl(String v) {
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
            resolution, size, ratio, duration, null, null, audio, seed, shotType, extra));
  }
}
