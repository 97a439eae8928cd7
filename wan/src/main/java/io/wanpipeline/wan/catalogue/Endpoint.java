package io.wanpipeline.wan.catalogue;

/** The native DashScope create-task endpoint a model is served on (docs/protocol.md 1.2). */
public enum Endpoint {
  /** t2v, i2v, r2v, videoedit, wan2.7 and HappyHorse models. */
  VIDEO_GENERATION("/api/v1/services/aigc/video-generation/video-synthesis"),
  /** First-and-last-frame (kf2v), speech-driven (s2v) and animate models. */
  IMAGE2VIDEO("/api/v1/services/aigc/image2video/video-synthesis");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** The path below the base URL, starting with {@code /api/v1}. */
  public String path() {
    return path;
  }
}
