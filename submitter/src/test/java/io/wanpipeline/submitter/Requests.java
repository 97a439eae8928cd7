package io.wanpipeline.submitter;

import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.testing.fixtures.VideoRequestBuilder;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import java.time.Instant;
import java.util.List;

/**
 * The submitter unit tests' sample requests: the kit's flash preset with a duration, a fixed
 * creation time and metadata, which the mapping and fingerprint tests compare against.
 */
final class Requests {
  private Requests() {}

  static VideoRequestBuilder sample(String requestId) {
    return VideoRequests.i2vFlash(requestId)
        .duration(5)
        .requestedAt(Instant.parse("2026-01-01T00:00:00Z"))
        .metadata("campaign", "spring");
  }

  static VideoRequest i2v(String requestId) {
    return sample(requestId).build();
  }

  /** wan2.7-i2v in the media form, with a reference video as well. */
  static VideoRequest media(String requestId) {
    return sample(requestId)
        .model("wan2.7-i2v")
        .input(VideoInput.newBuilder().setPrompt("p").build())
        .media("first_frame", "https://example.com/f.png")
        .input(b -> b.setReferenceUrls(List.of("https://example.com/r.mp4")))
        .build();
  }
}
