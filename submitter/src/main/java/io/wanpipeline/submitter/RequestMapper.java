package io.wanpipeline.submitter;

import io.wanpipeline.events.Media;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.wan.GenerationRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps the pipeline's {@link VideoRequest} to the provider-neutral {@link GenerationRequest}. */
public final class RequestMapper {
  private RequestMapper() {}

  /** The generation the request asks for; absent fields stay null (model defaults apply). */
  public static GenerationRequest toGeneration(VideoRequest request) {
    VideoInput in = request.getInput();
    VideoParameters p = request.getParameters();
    GenerationRequest.Input input =
        in == null
            ? GenerationRequest.Input.EMPTY
            : new GenerationRequest.Input(
                in.getPrompt(),
                in.getNegativePrompt(),
                in.getImgUrl(),
                in.getFirstFrameUrl(),
                in.getLastFrameUrl(),
                in.getImageUrl(),
                in.getAudioUrl(),
                in.getTemplate(),
                in.getReferenceUrls() == null ? List.of() : List.copyOf(in.getReferenceUrls()),
                in.getMedia() == null
                    ? List.of()
                    : in.getMedia().stream().map(RequestMapper::media).toList(),
                in.getFunction(),
                in.getVideoUrl(),
                in.getRefImagesUrl() == null ? List.of() : List.copyOf(in.getRefImagesUrl()),
                in.getMaskImageUrl(),
                in.getMaskVideoUrl(),
                in.getFirstClipUrl(),
                in.getLastClipUrl());
    GenerationRequest.Parameters parameters =
        p == null
            ? GenerationRequest.Parameters.EMPTY
            : new GenerationRequest.Parameters(
                p.getResolution(),
                p.getSize(),
                p.getRatio(),
                p.getDuration(),
                p.getPromptExtend(),
                p.getWatermark(),
                p.getAudio(),
                p.getSeed(),
                p.getShotType(),
                extra(p));
    return new GenerationRequest(request.getModel(), input, parameters);
  }

  /**
   * The animate and vace parameters, by wire name, in the order of the schema; absent ones (null or
   * an empty list) are left out.
   */
  private static Map<String, Object> extra(VideoParameters p) {
    Map<String, Object> extra = new LinkedHashMap<>();
    put(extra, "mode", p.getMode());
    put(extra, "check_image", p.getCheckImage());
    if (p.getObjOrBg() != null && !p.getObjOrBg().isEmpty()) {
      extra.put("obj_or_bg", List.copyOf(p.getObjOrBg()));
    }
    put(extra, "control_condition", p.getControlCondition());
    put(extra, "strength", p.getStrength());
    put(extra, "mask_type", p.getMaskType());
    put(extra, "expand_ratio", p.getExpandRatio());
    put(extra, "expand_mode", p.getExpandMode());
    put(extra, "mask_frame_id", p.getMaskFrameId());
    put(extra, "top_scale", p.getTopScale());
    put(extra, "bottom_scale", p.getBottomScale());
    put(extra, "left_scale", p.getLeftScale());
    put(extra, "right_scale", p.getRightScale());
    return extra;
  }

  private static void put(Map<String, Object> extra, String name, Object value) {
    if (value != null) {
      extra.put(name, value);
    }
  }

  private static GenerationRequest.MediaItem media(Media m) {
    return new GenerationRequest.MediaItem(
        m.getType(), m.getUrl(), m.getReferenceVoice(), m.getReferenceDescription());
  }
}
