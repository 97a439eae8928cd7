package io.wanpipeline.infra.simulator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A native create-task body as the simulator reads it off the wire: every field the client sent,
 * whatever the model, so that {@link ProviderRules} decides which of them the model reads. The
 * simulator's own form, independent of the pipeline's request type.
 *
 * @param model the {@code model} field, trimmed
 * @param input the {@code input} object
 * @param parameters the {@code parameters} object
 */
record CreateBody(String model, Input input, Parameters parameters) {

  CreateBody {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(parameters, "parameters");
  }

  /**
   * The {@code input} object.
   *
   * @param texts every scalar field by its wire name ({@code prompt}, {@code img_url}, {@code
   *     template}, {@code function}, ...), as text
   * @param referenceUrls {@code reference_urls} followed by {@code reference_video_urls}
   * @param lists every other array of scalars by its wire name ({@code ref_images_url}, ...), each
   *     item as text
   * @param media the {@code media} items in order
   */
  record Input(
      Map<String, String> texts,
      List<String> referenceUrls,
      Map<String, List<String>> lists,
      List<Media> media) {
    Input {
      texts = Map.copyOf(texts);
      referenceUrls = List.copyOf(referenceUrls);
      lists = copyOfLists(lists);
      media = List.copyOf(media);
    }

    /** The scalar field {@code name}, or null when absent. */
    String text(String name) {
      return texts.get(name);
    }

    /** The array field {@code name}; empty when absent. */
    List<String> list(String name) {
      return lists.getOrDefault(name, List.of());
    }

    /** The prompt, or null. */
    String prompt() {
      return texts.get("prompt");
    }
  }

  /**
   * One {@code input.media} item.
   *
   * @param type the {@code type}, or null
   * @param url the {@code url}, or null
   * @param referenceVoice the {@code reference_voice} URL, or null
   */
  record Media(String type, String url, String referenceVoice) {}

  /**
   * The {@code parameters} object; each field null when absent.
   *
   * @param others every other scalar parameter by name, as text, numbers and booleans included
   *     ({@code mode}, {@code strength}, {@code check_image}, ...)
   * @param lists every array-of-scalars parameter by name ({@code obj_or_bg}, ...), each item as
   *     text
   */
  record Parameters(
      String resolution,
      String size,
      String ratio,
      Integer duration,
      Boolean promptExtend,
      Boolean watermark,
      Boolean audio,
      Long seed,
      String shotType,
      Map<String, String> others,
      Map<String, List<String>> lists) {
    Parameters {
      others = Map.copyOf(others);
      lists = copyOfLists(lists);
    }

    /** The array parameter {@code name}; empty when absent. */
    List<String> list(String name) {
      return lists.getOrDefault(name, List.of());
    }
  }

  private static Map<String, List<String>> copyOfLists(Map<String, List<String>> lists) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    lists.forEach((name, items) -> copy.put(name, List.copyOf(items)));
    return Map.copyOf(copy);
  }

  /** This body with {@code prompt} in place of its prompt (absent when null). */
  CreateBody withPrompt(String prompt) {
    Map<String, String> texts = new LinkedHashMap<>(input.texts());
    if (prompt == null) {
      texts.remove("prompt");
    } else {
      texts.put("prompt", prompt);
    }
    return new CreateBody(
        model, new Input(texts, input.referenceUrls(), input.lists(), input.media()), parameters);
  }
}
