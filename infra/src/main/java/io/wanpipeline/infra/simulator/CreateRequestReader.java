package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.Input;
import io.wanpipeline.wan.GenerationRequest.MediaItem;
import io.wanpipeline.wan.GenerationRequest.Parameters;
import io.wanpipeline.wan.catalogue.ParameterStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a native create-task body into a {@link GenerationRequest}, tolerating what real clients
 * send: the official SDK always adds {@code input.extend_prompt}, {@code parameters.with_audio},
 * and both {@code size} and {@code resolution}; the one a model does not use is dropped, as the
 * service ignores it.
 */
final class CreateRequestReader {

  /** A body field has the wrong type; the message names the field. */
  static final class BadField extends Exception {
    BadField(String message) {
      super(message);
    }
  }

  private static final Set<String> KNOWN_PARAMETERS =
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

  /** Sent by SDKs whatever the model; the service ignores them. */
  private static final Set<String> IGNORED_PARAMETERS = Set.of("with_audio");

  private CreateRequestReader() {}

  /**
   * @param body the parsed body
   * @param style which of {@code size} and {@code resolution} the model reads; the other is dropped
   */
  static GenerationRequest read(JsonNode body, ParameterStyle style, ObjectMapper mapper)
      throws BadField {
    String model = text(body, "model", "model");
    JsonNode in = body.path("input");
    JsonNode ps = body.path("parameters");
    if (!ps.isMissingNode() && !ps.isNull() && !ps.isObject()) {
      throw new BadField("parameters must be an object");
    }
    List<String> refs = new ArrayList<>(strings(in, "reference_urls"));
    refs.addAll(strings(in, "reference_video_urls"));
    List<MediaItem> media = new ArrayList<>();
    JsonNode mediaNode = in.get("media");
    if (mediaNode != null && !mediaNode.isNull()) {
      if (!mediaNode.isArray()) {
        throw new BadField("input.media must be an array");
      }
      for (JsonNode m : mediaNode) {
        media.add(
            new MediaItem(
                text(m, "type", "input.media.type"),
                text(m, "url", "input.media.url"),
                text(m, "reference_voice", "input.media.reference_voice"),
                text(m, "reference_description", "input.media.reference_description")));
      }
    }
    Input input =
        new Input(
            text(in, "prompt", "input.prompt"),
            text(in, "negative_prompt", "input.negative_prompt"),
            text(in, "img_url", "input.img_url"),
            text(in, "first_frame_url", "input.first_frame_url"),
            text(in, "last_frame_url", "input.last_frame_url"),
            text(in, "image_url", "input.image_url"),
            text(in, "audio_url", "input.audio_url"),
            text(in, "template", "input.template"),
            refs,
            media);
    Map<String, Object> extra = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e :
        ps.isObject() ? ps.properties() : Set.<Map.Entry<String, JsonNode>>of()) {
      if (!KNOWN_PARAMETERS.contains(e.getKey())
          && !IGNORED_PARAMETERS.contains(e.getKey())
          && !e.getValue().isNull()) {
        extra.put(e.getKey(), mapper.convertValue(e.getValue(), Object.class));
      }
    }
    String resolution = text(ps, "resolution", "parameters.resolution");
    String size = text(ps, "size", "parameters.size");
    Parameters parameters =
        new Parameters(
            style == ParameterStyle.RESOLUTION || style == ParameterStyle.RESOLUTION_RATIO
                ? resolution
                : null,
            style == ParameterStyle.SIZE ? size : null,
            text(ps, "ratio", "parameters.ratio"),
            integer(ps, "duration"),
            bool(ps, "prompt_extend"),
            bool(ps, "watermark"),
            bool(ps, "audio"),
            seed(ps),
            text(ps, "shot_type", "parameters.shot_type"),
            extra);
    return new GenerationRequest(model, input, parameters);
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
