package io.wanpipeline.wan.catalogue;

/** How a model is told the output resolution. */
public enum ParameterStyle {
  /** A tier in {@code parameters.resolution}; the aspect follows the input image. */
  RESOLUTION,
  /** A concrete {@code W*H} string in {@code parameters.size}. */
  SIZE,
  /** A tier in {@code parameters.resolution} plus an aspect in {@code parameters.ratio}. */
  RESOLUTION_RATIO,
  /** No resolution parameter: the output follows the input video. */
  NONE
}
