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
import java.util.Locale;
import java.util.Map;

/**
 * Maps a {@link GenerationRequest} to the native create-task body {@code {"model", "input",
 * "parameters"}} (docs/protocol.md 1.4), in snake_case, leaving out nulls and empty lists; the
 * animate models' watermark goes in {@code input}.
 */
public final class CreateTaskBody {

  private CreateTaskBody() {}

  /** The JSON body for {@code request}. */
  public static ObjectNode of(GenerationRequest request, ObjectMapper mapper) {
    ObjectNode body = mapper.createObjectNode();
    body.put("model", request.model());
    ObjectNode input = input(request.input(), mapper);
    ObjectNode parameters = parameters(request.parameters(), mapper);
    if (takesWatermarkInInput(request.model()) && parameters.has("watermark")) {
      input.set("watermark", parameters.remove("watermark"));
    }
    body.set("input", input);
    body.set("parameters", parameters);
    return body;
  }

  /**
   * The animate models take {@code watermark} in {@code input}, not in {@code parameters} (the
   * official create example of wan2.2-animate-move); they are the models of the image2video path
   * that have "animate" in their id, as {@link DashScopeClient} routes them.
   */
  static boolean takesWatermarkInInput(String model) {
    return model != null && model.toLowerCase(Locale.ROOT).contains("animate");
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
    putText(node, "function", in.function());
    putText(node, "video_url", in.videoUrl());
    if (!in.refImagesUrl().isEmpty()) {
      ArrayNode refs = node.putArray("ref_images_url");
      in.refImagesUrl().forEach(refs::add);
    }
    putText(node, "mask_image_url", in.maskImageUrl());
    putText(node, "mask_video_url", in.maskVideoUrl());
    putText(node, "first_clip_url", in.firstClipUrl());
    putText(node, "last_clip_url", in.lastClipUrl());
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
