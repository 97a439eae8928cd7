package io.wanpipeline.submitter;

import io.wanpipeline.wan.GenerationRequest;

/**
 * What a request asks for, as copied onto its status events: resolution tier, duration and audio.
 *
 * @param resolution tier (480P, 720P, 1080P), or null when unknown
 * @param durationSeconds requested (or model-fixed) duration in seconds, or null
 * @param audio whether audio was requested, or null
 */
record RequestedFacts(String resolution, Integer durationSeconds, Boolean audio) {
  static final RequestedFacts NONE = new RequestedFacts(null, null, null);

  /** The facts of {@code request} as far as the request itself states them. */
  static RequestedFacts of(GenerationRequest request) {
    GenerationRequest.Parameters p = request.parameters();
    return new RequestedFacts(p.resolution(), p.duration(), p.audio());
  }
}
