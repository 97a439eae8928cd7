package io.wanpipeline.wan;

import java.util.List;
import java.util.Map;

/**
 * What the pipeline asks the provider to generate, independent of any provider dialect. Null fields
 * mean "not given" (the model's default applies).
 *
 * @param model provider model id, for example {@code wan2.2-i2v-flash}
 * @param input generation inputs
 * @param parameters generation parameters
 */
public record GenerationRequest(String model, Input input, Parameters parameters) {

  public GenerationRequest {
    input = input == null ? Input.EMPTY : input;
    parameters = parameters == null ? Parameters.EMPTY : parameters;
  }

  /**
   * Generation inputs; which a model accepts is defined by its {@code ModelSpec}.
   *
   * @param function the editing function of the vace models ({@code image_reference}, ...)
   * @param videoUrl the input video of the animate and vace models
   * @param refImagesUrl the reference images of the vace models
   * @param maskImageUrl the mask image of vace {@code video_edit}
   * @param maskVideoUrl the mask video of vace {@code video_edit}
   * @param firstClipUrl the clip vace {@code video_extension} continues from
   * @param lastClipUrl the clip vace {@code video_extension} leads into
   */
  public record Input(
      String prompt,
      String negativePrompt,
      String imgUrl,
      String firstFrameUrl,
      String lastFrameUrl,
      String imageUrl,
      String audioUrl,
      String template,
      List<String> referenceUrls,
      List<MediaItem> media,
      String function,
      String videoUrl,
      List<String> refImagesUrl,
      String maskImageUrl,
      String maskVideoUrl,
      String firstClipUrl,
      String lastClipUrl) {
    public static final Input EMPTY =
        new Input(null, null, null, null, null, null, null, null, List.of(), List.of());

    public Input {
      referenceUrls = referenceUrls == null ? List.of() : List.copyOf(referenceUrls);
      media = media == null ? List.of() : List.copyOf(media);
      refImagesUrl = refImagesUrl == null ? List.of() : List.copyOf(refImagesUrl);
    }

    /** Inputs without the video-editing fields of the vace and animate models. */
    public Input(
        String prompt,
        String negativePrompt,
        String imgUrl,
        String firstFrameUrl,
        String lastFrameUrl,
        String imageUrl,
        String audioUrl,
        String template,
        List<String> referenceUrls,
        List<MediaItem> media) {
      this(
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
          null,
          null,
          List.of(),
          null,
          null,
          null,
          null);
    }
  }

  /** One item of the wan2.7 / HappyHorse {@code input.media} array. */
  public record MediaItem(
      String type, String url, String referenceVoice, String referenceDescription) {}

  /**
   * Generation parameters; null means the model's default.
   *
   * @param extra further parameters by wire name, sent as they are: the animate models' {@code
   *     mode} and {@code check_image}, the vace models' {@code obj_or_bg}, {@code
   *     control_condition}, {@code strength}, ... (values are strings, numbers, booleans or lists
   *     of strings)
   */
  public record Parameters(
      String resolution,
      String size,
      String ratio,
      Integer duration,
      Boolean promptExtend,
      Boolean watermark,
      Boolean audio,
      Long seed,
      String shotType,
      Map<String, Object> extra) {
    public static final Parameters EMPTY =
        new Parameters(null, null, null, null, null, null, null, null, null, Map.of());

    public Parameters {
      extra = extra == null ? Map.of() : Map.copyOf(extra);
    }
  }
}
