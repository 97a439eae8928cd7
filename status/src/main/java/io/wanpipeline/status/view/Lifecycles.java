package io.wanpipeline.status.view;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.events.internal.Transition;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.schemas.lifecycle.TaskStates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** How the status view folds a request's events into its {@link RequestLifecycle}. */
public final class Lifecycles {
  private Lifecycles() {}

  /**
   * The most transitions a lifecycle keeps: the first, and the latest up to this many. A request
   * has about six; the bound keeps a request that receives events without end (a producer's bug)
   * from growing its record without end.
   */
  public static final int MAX_TRANSITIONS = 32;

  /** The metadata key that names the batch a request belongs to (set by the batch tool). */
  public static final String BATCH_ID = RequestCommands.BATCH_ID_METADATA;

  /** The metadata key that holds a batch line's own id (set by the batch tool). */
  public static final String CUSTOM_ID = "custom_id";

  /** The states the console lists as the latest failures. */
  public static final Set<TaskState> FAILURES =
      EnumSet.of(
          TaskState.FAILED,
          TaskState.REJECTED,
          TaskState.TIMED_OUT,
          TaskState.UNKNOWN,
          TaskState.ARCHIVE_FAILED);

  /** {@code previous} (or nothing yet) with {@code event} read after it. */
  public static RequestLifecycle next(RequestLifecycle previous, TaskStatus event) {
    List<Transition> transitions =
        previous == null ? new ArrayList<>() : new ArrayList<>(previous.getTransitions());
    int dropped = previous == null ? 0 : previous.getDroppedTransitions();
    transitions.add(
        new Transition(
            event.getState(),
            event.getEventTime(),
            event.getError() == null ? null : event.getError().getCode()));
    while (transitions.size() > MAX_TRANSITIONS) {
      transitions.remove(1);
      dropped++;
    }
    return new RequestLifecycle(event, transitions, dropped);
  }

  /** Whether the request still waits for something (it is not in a terminal state). */
  public static boolean inFlight(RequestLifecycle lifecycle) {
    return !TaskStates.terminal(lifecycle.getLatest().getState());
  }

  /**
   * The batch the request belongs to: its {@link #BATCH_ID} metadata when it is a valid id (the id
   * grammar of request ids: no {@code |}, 1-255 characters).
   */
  public static Optional<String> batch(TaskStatus status) {
    return RequestCommands.batchOf(status.getMetadata());
  }

  /** When the request's first event read was made: how long it has been in the pipeline since. */
  public static Instant since(RequestLifecycle lifecycle) {
    return lifecycle.getTransitions().isEmpty()
        ? lifecycle.getLatest().getEventTime()
        : lifecycle.getTransitions().get(0).getEventTime();
  }

  /** Whether the request's latest state is one of the {@link #FAILURES}. */
  public static boolean failed(RequestLifecycle lifecycle) {
    return FAILURES.contains(lifecycle.getLatest().getState());
  }
}
