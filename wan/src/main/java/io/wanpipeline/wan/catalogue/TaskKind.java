package io.wanpipeline.wan.catalogue;

/** What a model generates from what. */
public enum TaskKind {
  /** Text to video. */
  T2V,
  /** Image (first frame) to video. */
  I2V,
  /** First and last frame to video. */
  KF2V,
  /** Speech/audio-driven portrait video. */
  S2V,
  /** Reference (images or videos of subjects) to video. */
  R2V,
  /** Editing an input video. */
  EDIT,
  /** Transferring motion from a video onto a character image. */
  ANIMATE,
  /** The function-based wan2.1 all-in-one editor. */
  VACE
}
