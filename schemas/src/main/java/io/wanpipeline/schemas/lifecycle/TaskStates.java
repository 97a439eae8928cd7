package io.wanpipeline.schemas.lifecycle;

import io.wanpipeline.events.TaskState;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** What the contract says of the states of {@code task-status} (README, "The lifecycle"). */
public final class TaskStates {
  private TaskStates() {}

  /**
   * The states after which a request waits for nothing more: ARCHIVED, ARCHIVE_FAILED, FAILED,
   * CANCELED, TIMED_OUT, UNKNOWN, REJECTED. (A TIMED_OUT task the provider finishes after all is
   * announced LATE_SUCCEEDED, then archived: a reader keeps the latest state.)
   */
  public static final Set<TaskState> TERMINAL =
      Collections.unmodifiableSet(
          EnumSet.of(
              TaskState.ARCHIVED,
              TaskState.ARCHIVE_FAILED,
              TaskState.FAILED,
              TaskState.CANCELED,
              TaskState.TIMED_OUT,
              TaskState.UNKNOWN,
              TaskState.REJECTED));

  /** Whether {@code state} is {@link #TERMINAL}. */
  public static boolean terminal(TaskState state) {
    return TERMINAL.contains(state);
  }
}
