package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a native create-task body into a {@link CreateBody}, keeping every field real clients send
 * (the official SDK always adds {@code input.extend_prompt}, {@code parameters.with_audio}, and
 * both {@code size} and {@code resolution}, docs/protocol.md 4.3); which of them a model reads is
 * {@link ProviderRules}' decision. Scalars are kept as text (numbers and booleans too), arrays of
 * scalars as lists of text ({@code input.ref_images_url}, {@code parameters.obj_or_bg}). A field of
 * the wrong JSON type is refused, naming the field.
 */
final class CreateRequestReader {

  /** A body field has the wrong type; the message names the field. */
  static final class BadField extends Exception {
    private static final long serialVersionUID = 1L;

    BadField(String message) {
      super(message);
    }
  }

  /** Parameters read into their own typed fields. */
  private static final Set<String> TYPED_PARAMETERS =
      Set.of(
          "resolution",
          "size",
          "ratio",
          "duration",
          "prompt_extend",
          "watermark",
          "audio",
          "seed",
          "shot_type");

  /** Input fields that must be scalars (strings) when present. */
  private static final List<String> SCALAR_INPUTS =
      List.of(
          "prompt",
          "negative_prompt",
          "img_url",
          "first_frame_url",
          "last_frame_url",
          "image_url",
          "audio_url",
          "video_url",
          "template",
          "function",
          "mask_image_url",
          "mask_video_url",
          "first_clip_url",
          "last_clip_url");

  private static final Set<String> REFERENCE_LISTS =
      Set.of("reference_urls", "reference_video_urls");

  /** Input arrays the documents type as arrays of strings (VACE's reference images). */
  private static final Set<String> STRING_LIST_INPUTS = Set.of("ref_images_url");

  /** Parameter arrays the documents type as arrays of strings (VACE's obj_or_bg). */
  private static final Set<String> STRING_LIST_PARAMETERS = Set.of("obj_or_bg");

  private CreateRequestReader() {}

  /** The body's fields; {@code body} must be an object with an {@code input} object. */
  static CreateBody read(JsonNode body) throws BadField {
    String model = text(body, "model", "model");
    JsonNode in = body.path("input");
    JsonNode ps = body.path("parameters");
    if (!ps.isMissingNode() && !ps.isNull() && !ps.isObject()) {
      throw new BadField("parameters must be an object");
    }
    Map<String, String> texts = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : in.properties()) {
      JsonNode v = e.getValue();
      if (v.isValueNode() && !v.isNull()) {
        texts.put(e.getKey(), v.asText());
      }
    }
    List<String> refs = new ArrayList<>(strings(in, "reference_urls"));
    refs.addAll(strings(in, "reference_video_urls"));
    for (String name : SCALAR_INPUTS) {
      text(in, name, "input." + name);
    }
    Map<String, List<String>> inputLists = lists(in, "input", STRING_LIST_INPUTS);
    REFERENCE_LISTS.forEach(inputLists::remove);
    inputLists.remove("media");
    List<CreateBody.Media> media = new ArrayList<>();
    JsonNode mediaNode = in.get("media");
    if (mediaNode != null && !mediaNode.isNull()) {
      if (!mediaNode.isArray()) {
        throw new BadField("input.media must be an array");
      }
      for (JsonNode m : mediaNode) {
        if (!m.isObject()) {
          throw new BadField("input.media items must be objects");
        }
        media.add(
            new CreateBody.Media(
                text(m, "type", "input.media.type"),
                text(m, "url", "input.media.url"),
                text(m, "reference_voice", "input.media.reference_voice")));
      }
    }
    for (String name : REFERENCE_LISTS) {
      texts.remove(name);
    }
    Map<String, String> others = new LinkedHashMap<>();
    Map<String, List<String>> parameterLists = lists(ps, "parameters", STRING_LIST_PARAMETERS);
    if (ps.isObject()) {
      for (Map.Entry<String, JsonNode> e : ps.properties()) {
        JsonNode v = e.getValue();
        if (!TYPED_PARAMETERS.contains(e.getKey()) && v.isValueNode() && !v.isNull()) {
          others.put(e.getKey(), v.asText());
        }
      }
    }
    CreateBody.Parameters parameters =
        new CreateBody.Parameters(
            text(ps, "resolution", "parameters.resolution"),
            text(ps, "size", "parameters.size"),
            text(ps, "ratio", "parameters.ratio"),
            integer(ps, "duration"),
            bool(ps, "prompt_extend"),
            bool(ps, "watermark"),
            bool(ps, "audio"),
            seed(ps),
            text(ps, "shot_type", "parameters.shot_type"),
            others,
            parameterLists);
    return new CreateBody(
        model == null ? null : model.trim(),
        new CreateBody.Input(texts, refs, inputLists, media),
        parameters);
  }

  /**
   * The arrays of scalars in {@code node} by name, items as text; an array of {@code strict} must
   * hold only strings, other arrays holding anything but scalars are left out.
   */
  private static Map<String, List<String>> lists(JsonNode node, String prefix, Set<String> strict)
      throws BadField {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String name : strict) {
      JsonNode v = node.get(name);
      if (v == null || v.isNull()) {
        continue;
      }
      if (!v.isArray()) {
        throw new BadField(prefix + "." + name + " must be an array of strings");
      }
      List<String> items = new ArrayList<>();
      for (JsonNode e : v) {
        if (!e.isTextual()) {
          throw new BadField(prefix + "." + name + " must be an array of strings");
        }
        items.add(e.asText());
      }
      out.put(name, items);
    }
    if (!node.isObject()) {
      return out;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode v = e.getValue();
      if (out.containsKey(e.getKey()) || !v.isArray()) {
        continue;
      }
      List<String> items = new ArrayList<>();
      boolean scalars = true;
      for (JsonNode item : v) {
        scalars &= item.isValueNode() && !item.isNull();
        items.add(item.asText());
      }
      if (scalars) {
        out.put(e.getKey(), items);
      }
    }
    return out;
  }

  private static String text(JsonNode node, String field, String name) throws BadField {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw new BadField(name + " must be a string");
    }
    return v.asText();
  }

  private static List<String> strings(JsonNode node, String field) throws BadField {
    JsonNode v = node.get(field);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new BadField("input." + field + " must be an array of strings");
    }
    for (JsonNode e : v) {
      out.add(e.asText());
    }
    return out;
  }

  private static Integer integer(JsonNode node, String field) throws BadField {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToInt()) {
      return v.intValue();
    }
    if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())) {
      return (int) v.asDouble();
    }
    if (v.isTextual()) {
      try {
        return Integer.parseInt(v.asText().trim());
      } catch (NumberFormatException e) {
        // falls through
      }
    }
    throw new BadField("parameters." + field + " must be an integer");
  }

  private static Long seed(JsonNode node) throws BadField {
    JsonNode v = node.get("seed");
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      long s = v.longValue();
      if (s < 0 || s > Integer.MAX_VALUE) {
        throw new BadField("parameters.seed must be between 0 and 2147483647");
      }
      return s;
    }
    throw new BadField("parameters.seed must be an integer");
  }

  private static Boolean bool(JsonNode node, String field) throws BadField {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
      return Boolean.parseBoolean(v.asText());
    }
    throw new BadField("parameters." + field + " must be a boolean");
  }
}
