package io.wanpipeline.infra.simulator;

/** Which generation of {@code usage} field names SUCCEEDED answers carry (docs/protocol.md 1.6). */
public enum UsageStyle {
  /** {@code duration}, {@code SR}, {@code video_count} (wan2.5 and later). */
  CURRENT,
  /** {@code video_duration}, {@code video_ratio}, {@code video_count} (wan2.1 / wan2.2 era). */
  LEGACY
}
