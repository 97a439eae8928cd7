package io.wanpipeline.submitter;

import io.wanpipeline.events.Media;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Sample requests for tests. */
final class Requests {
  private Requests() {}

  static VideoRequest i2v(String requestId) {
    return VideoRequest.newBuilder()
        .setRequestId(requestId)
        .setAccountId("acme")
        .setProviderAccount(null)
        .setModel("wan2.2-i2v-flash")
        .setInput(
            VideoInput.newBuilder()
                .setPrompt("a cat surfing")
                .setImgUrl("https://example.com/cat.png")
                .build())
        .setParameters(VideoParameters.newBuilder().setResolution("480P").setDuration(5).build())
        .setPriority(Priority.LIVE)
        .setRequestedAt(Instant.parse("2026-01-01T00:00:00Z"))
        .setMetadata(Map.of("campaign", "spring"))
        .build();
  }

  static VideoRequest media(String requestId) {
    return VideoRequest.newBuilder(i2v(requestId))
        .setModel("wan2.7-i2v")
        .setInput(
            VideoInput.newBuilder()
                .setPrompt("p")
                .setMedia(
                    List.of(
                        Media.newBuilder()
                            .setType("first_frame")
                            .setUrl("https://example.com/f.png")
                            .build()))
                .setReferenceUrls(List.of("https://example.com/r.mp4"))
                .build())
        .build();
  }
}
