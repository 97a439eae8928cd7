package io.wanpipeline.infra.simulator;

/** The kinds of call the simulator serves; faults are configured per route. */
public enum Route {
  /** {@code POST /api/v1/services/aigc/.../video-synthesis}. */
  CREATE,
  /** {@code GET /api/v1/tasks/{id}}. */
  QUERY,
  /** {@code POST /api/v1/tasks/{id}/cancel}. */
  CANCEL,
  /** {@code GET /api/v1/tasks?...}. */
  LIST,
  /** {@code GET /oss/...} (the signed result link). */
  DOWNLOAD
}
