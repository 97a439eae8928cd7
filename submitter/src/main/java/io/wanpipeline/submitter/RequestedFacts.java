package io.wanpipeline.submitter;

/**
 * What a request asks for, as copied onto its status events: resolution tier, duration and audio.
 *
 * @param resolution tier (480P, 720P, 1080P), or null when unknown
 * @param durationSeconds requested (or model-fixed) duration in seconds, or null
 * @param audio whether audio was requested, or null
 */
public record RequestedFacts(String resolution, Integer durationSeconds, Boolean audio) {
  /** Nothing known (the request could not even be identified). */
  static final RequestedFacts NONE = new RequestedFacts(null, null, null);
}
