package io.wanpipeline.wan.dialect.mulerouter;

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
 * Maps a {@link GenerationRequest} to MuleRouter's flat create body (SEED-3, docs/protocol.md 5.4):
 * no {@code input}/{@code parameters} envelope and no {@code model} (the model is in the path).
 *
 * <ul>
 *   <li>{@code img_url}, {@code first_frame_url} and {@code image_url} become {@code image} (URL or
 *       data URI; only one is set for any model), {@code last_frame_url} becomes {@code last_frame}
 *       (MuleRouter's kf2v pages);
 *   <li>{@code shot_type} becomes MuleRouter's {@code multi_shots} boolean (its wan2.6 pages);
 *   <li>{@code watermark} is not sent: no MuleRouter page documents it;
 *   <li>every other field keeps its native name ({@code prompt}, {@code negative_prompt}, {@code
 *       template}, {@code audio_url}, the video-editing inputs {@code function}, {@code video_url},
 *       {@code ref_images_url}, {@code mask_image_url}, {@code mask_video_url}, {@code
 *       first_clip_url}, {@code last_clip_url}, {@code resolution}, {@code size}, {@code duration},
 *       {@code prompt_extend}, {@code audio}, {@code seed}), and {@code parameters.extra} entries
 *       such as {@code mode} or {@code safety_filter} pass through.
 * </ul>
 */
public final class MuleRouterBody {

  private MuleRouterBody() {}

  /** The JSON body for {@code request}. */
  public static ObjectNode of(GenerationRequest request, ObjectMapper mapper) {
    ObjectNode body = mapper.createObjectNode();
    Input in = request.input();
    putText(body, "prompt", in.prompt());
    putText(body, "negative_prompt", in.negativePrompt());
    putText(body, "image", firstNonNull(in.imgUrl(), in.firstFrameUrl(), in.imageUrl()));
    putText(body, "last_frame", in.lastFrameUrl());
    putText(body, "audio_url", in.audioUrl());
    putText(body, "template", in.template());
    if (!in.referenceUrls().isEmpty()) {
      ArrayNode refs = body.putArray("reference_urls");
      in.referenceUrls().forEach(refs::add);
    }
    putText(body, "function", in.function());
    putText(body, "video_url", in.videoUrl());
    if (!in.refImagesUrl().isEmpty()) {
      ArrayNode refs = body.putArray("ref_images_url");
      in.refImagesUrl().forEach(refs::add);
    }
    putText(body, "mask_image_url", in.maskImageUrl());
    putText(body, "mask_video_url", in.maskVideoUrl());
    putText(body, "first_clip_url", in.firstClipUrl());
    putText(body, "last_clip_url", in.lastClipUrl());
    if (!in.media().isEmpty()) {
      ArrayNode media = body.putArray("media");
      for (MediaItem item : in.media()) {
        ObjectNode m = media.addObject();
        putText(m, "type", item.type());
        putText(m, "url", item.url());
        putText(m, "reference_voice", item.referenceVoice());
        putText(m, "reference_description", item.referenceDescription());
      }
    }
    Parameters p = request.parameters();
    putText(body, "resolution", p.resolution());
    putText(body, "size", p.size());
    putText(body, "ratio", p.ratio());
    if (p.duration() != null) {
      body.put("duration", p.duration());
    }
    if (p.promptExtend() != null) {
      body.put("prompt_extend", p.promptExtend());
    }
    if (p.audio() != null) {
      body.put("audio", p.audio());
    }
    if (p.shotType() != null) {
      body.put("multi_shots", "multi".equalsIgnoreCase(p.shotType().trim()));
    }
    if (p.seed() != null) {
      body.put("seed", p.seed());
    }
    for (Map.Entry<String, Object> e : p.extra().entrySet()) {
      if (e.getValue() != null && !(e.getValue() instanceof List<?> l && l.isEmpty())) {
        body.set(e.getKey(), mapper.valueToTree(e.getValue()));
      }
    }
    return body;
  }

  private static String firstNonNull(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static void putText(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }
}
