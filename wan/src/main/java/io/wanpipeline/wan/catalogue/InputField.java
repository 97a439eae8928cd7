package io.wanpipeline.wan.catalogue;

import io.wanpipeline.wan.GenerationRequest;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** An input field of a create-task body, named as on the wire and in the VideoRequest event. */
public enum InputField {
  /** {@code input.prompt}. */
  PROMPT("prompt", false),
  /** {@code input.negative_prompt}. */
  NEGATIVE_PROMPT("negative_prompt", false),
  /** {@code input.img_url}: first frame of legacy image-to-video models. */
  IMG_URL("img_url", true),
  /** {@code input.first_frame_url}: first frame of kf2v models. */
  FIRST_FRAME_URL("first_frame_url", true),
  /** {@code input.last_frame_url}: last frame of kf2v models. */
  LAST_FRAME_URL("last_frame_url", true),
  /** {@code input.image_url}: portrait of s2v models, character image of animate models. */
  IMAGE_URL("image_url", true),
  /** {@code input.audio_url}: speech (s2v) or background audio (wan2.5/2.6/2.7-t2v). */
  AUDIO_URL("audio_url", true),
  /** {@code input.template}: video-effect preset of legacy image-to-video models. */
  TEMPLATE("template", false),
  /** {@code input.reference_urls}: references of wan2.6 r2v models. */
  REFERENCE_URLS("reference_urls", true),
  /** {@code input.media}: the typed media array of wan2.7 and HappyHorse models. */
  MEDIA("media", true),
  /** {@code input.function}: the editing function of vace models. */
  FUNCTION("function", false),
  /** {@code input.video_url}: the input video of animate and vace models. */
  VIDEO_URL("video_url", true),
  /** {@code input.ref_images_url}: reference images of vace models. */
  REF_IMAGES_URL("ref_images_url", true),
  /** {@code input.mask_image_url}: mask image of vace {@code video_edit}. */
  MASK_IMAGE_URL("mask_image_url", true),
  /** {@code input.mask_video_url}: mask video of vace {@code video_edit}. */
  MASK_VIDEO_URL("mask_video_url", true),
  /** {@code input.first_clip_url}: the clip vace {@code video_extension} continues from. */
  FIRST_CLIP_URL("first_clip_url", true),
  /** {@code input.last_clip_url}: the clip vace {@code video_extension} leads into. */
  LAST_CLIP_URL("last_clip_url", true);

  private final String wireName;
  private final boolean url;

  InputField(String wireName, boolean url) {
    this.wireName = wireName;
    this.url = url;
  }

  /** The JSON name inside {@code input}, for example {@code img_url}. */
  public String wireName() {
    return wireName;
  }

  /** The field path used in violations, for example {@code input.img_url}. */
  public String path() {
    return "input." + wireName;
  }

  /** True for fields that hold URLs (or lists of them). */
  public boolean holdsUrls() {
    return url;
  }

  /** Parses a wire name such as {@code img_url}. */
  public static Optional<InputField> ofWireName(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (InputField f : values()) {
      if (f.wireName.equals(n)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /** True when the request carries a non-blank value (or a non-empty list) in this field. */
  public boolean isPresent(GenerationRequest.Input input) {
    return switch (this) {
      case REFERENCE_URLS -> !input.referenceUrls().isEmpty();
      case REF_IMAGES_URL -> !input.refImagesUrl().isEmpty();
      case MEDIA -> !input.media().isEmpty();
      default -> {
        String v = text(input);
        yield v != null && !v.isBlank();
      }
    };
  }

  /** The single text value of this field, or null for the list fields and unset fields. */
  public String text(GenerationRequest.Input input) {
    return switch (this) {
      case PROMPT -> input.prompt();
      case NEGATIVE_PROMPT -> input.negativePrompt();
      case IMG_URL -> input.imgUrl();
      case FIRST_FRAME_URL -> input.firstFrameUrl();
      case LAST_FRAME_URL -> input.lastFrameUrl();
      case IMAGE_URL -> input.imageUrl();
      case AUDIO_URL -> input.audioUrl();
      case TEMPLATE -> input.template();
      case FUNCTION -> input.function();
      case VIDEO_URL -> input.videoUrl();
      case MASK_IMAGE_URL -> input.maskImageUrl();
      case MASK_VIDEO_URL -> input.maskVideoUrl();
      case FIRST_CLIP_URL -> input.firstClipUrl();
      case LAST_CLIP_URL -> input.lastClipUrl();
      case REFERENCE_URLS, REF_IMAGES_URL, MEDIA -> null;
    };
  }

  /** The URLs this field carries (media URLs excluded), in order; empty when unset. */
  public List<String> urls(GenerationRequest.Input input) {
    if (!url || this == MEDIA) {
      return List.of();
    }
    if (this == REFERENCE_URLS) {
      return input.referenceUrls();
    }
    if (this == REF_IMAGES_URL) {
      return input.refImagesUrl();
    }
    String v = text(input);
    return v == null || v.isBlank() ? List.of() : List.of(v);
  }
}
