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

  /** Generation inputs; which a model accepts is defined by its {@code ModelSpec}. */
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
      List<MediaItem> media) {
    public static final Input EMPTY =
        new Input(null, null, null, null, null, null, null, null, List.of(), List.of());

    public Input {
      referenceUrls = referenceUrls == null ? List.of() : List.copyOf(referenceUrls);
      media = media == null ? List.of() : List.copyOf(media);
    }
  }

  /** One item of the wan2.7 / HappyHorse {@code input.media} array. */
  public record MediaItem(
      String type, String url, String referenceVoice, String referenceDescription) {}

  /** Generation parameters; null means the model's default. */
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
