package io.wanpipeline.wan.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.Input;
import io.wanpipeline.wan.GenerationRequest.MediaItem;
import io.wanpipeline.wan.GenerationRequest.Parameters;
import java.util.List;
import java.util.Map;

/**
 * Maps a {@link GenerationRequest} to the native create-task body {@code {"model", "input",
 * "parameters"}} (wan-protocol.md 1.4), in snake_case, leaving out nulls and empty lists.
 */
public final class CreateTaskBody {

  private CreateTaskBody() {}

  /** The JSON body for {@code request}. */
  public static ObjectNode of(GenerationRequest request, ObjectMapper mapper) {
    ObjectNode body = mapper.createObjectNode();
    body.put("model", request.model());
    body.set("input", input(request.input(), mapper));
    body.set("parameters", parameters(request.parameters(), mapper));
    return body;
  }

  private static ObjectNode input(Input in, ObjectMapper mapper) {
    ObjectNode node = mapper.createObjectNode();
    putText(node, "prompt", in.prompt());
    putText(node, "negative_prompt", in.negativePrompt());
    putText(node, "img_url", in.imgUrl());
    putText(node, "first_frame_url", in.firstFrameUrl());
    putText(node, "last_frame_url", in.lastFrameUrl());
    putText(node, "image_url", in.imageUrl());
    putText(node, "audio_url", in.audioUrl());
    putText(node, "template", in.template());
    if (!in.referenceUrls().isEmpty()) {
      ArrayNode refs = node.putArray("reference_urls");
      in.referenceUrls().forEach(refs::add);
    }
    if (!in.media().isEmpty()) {
      ArrayNode media = node.putArray("media");
      for (MediaItem item : in.media()) {
        ObjectNode m = media.addObject();
        putText(m, "type", item.type());
        putText(m, "url", item.url());
        putText(m, "reference_voice", item.referenceVoice());
        putText(m, "reference_description", item.referenceDescription());
      }
    }
    return node;
  }

  private static ObjectNode parameters(Parameters p, ObjectMapper mapper) {
    ObjectNode node = mapper.createObjectNode();
    putText(node, "resolution", p.resolution());
    putText(node, "size", p.size());
    putText(node, "ratio", p.ratio());
    if (p.duration() != null) {
      node.put("duration", p.duration());
    }
    if (p.promptExtend() != null) {
      node.put("prompt_extend", p.promptExtend());
    }
    if (p.watermark() != null) {
      node.put("watermark", p.watermark());
    }
    if (p.audio() != null) {
      node.put("audio", p.audio());
    }
    if (p.seed() != null) {
      node.put("seed", p.seed());
    }
    putText(node, "shot_type", p.shotType());
    for (Map.Entry<String, Object> e : p.extra().entrySet()) {
      if (e.getValue() == null || isEmptyList(e.getValue())) {
        continue;
      }
      JsonNode value = mapper.valueToTree(e.getValue());
      node.set(e.getKey(), value);
    }
    return node;
  }

  private static boolean isEmptyList(Object value) {
    return value instanceof List<?> list && list.isEmpty();
  }

  private static void putText(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }
}
