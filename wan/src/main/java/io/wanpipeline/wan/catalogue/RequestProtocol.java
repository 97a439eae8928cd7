package io.wanpipeline.wan.catalogue;

/** How a model's create-task body carries its images, videos and audio. */
public enum RequestProtocol {
  /** Named input fields ({@code img_url}, {@code first_frame_url}, {@code audio_url}, ...). */
  LEGACY,
  /** A typed {@code input.media} array (wan2.7 and HappyHorse). */
  MEDIA
}
