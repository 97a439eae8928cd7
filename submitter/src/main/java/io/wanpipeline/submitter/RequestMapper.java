package io.wanpipeline.submitter;

import io.wanpipeline.events.Media;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.wan.GenerationRequest;
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
                    : in.getMedia().stream().map(RequestMapper::media).toList());
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
                Map.of());
    return new GenerationRequest(request.getModel(), input, parameters);
  }

  private static GenerationRequest.MediaItem media(Media m) {
    return new GenerationRequest.MediaItem(
        m.getType(), m.getUrl(), m.getReferenceVoice(), m.getReferenceDescription());
  }
}
