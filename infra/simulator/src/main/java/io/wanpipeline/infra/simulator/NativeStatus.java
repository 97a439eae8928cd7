package io.wanpipeline.infra.simulator;

/**
 * A simulated task's {@code task_status}, in the provider's own words (Model Studio's task query
 * reference). The simulator keeps its own list rather than the pipeline's parser of these words: an
 * oracle never shares the code it judges.
 */
public enum NativeStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELED,
  /** The provider's answer for a task it does not know or no longer keeps. */
  UNKNOWN;

  /** Whether the task will not change any more (an unknown task included). */
  public boolean terminal() {
    return this != PENDING && this != RUNNING;
  }
}
