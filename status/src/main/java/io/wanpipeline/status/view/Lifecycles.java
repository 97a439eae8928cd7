package io.wanpipeline.status.view;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.events.internal.Transition;
import io.wanpipeline.schemas.lifecycle.TaskStates;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

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
  public static final String BATCH_ID = "batch_id";

  /** The metadata key that holds a batch line's own id (set by the batch tool). */
  public static final String CUSTOM_ID = "custom_id";

  /** Batch ids the view indexes: the id grammar of request ids (no {@code |}, 1-255 chars). */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,255}");

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

  /** The batch the request belongs to: its {@link #BATCH_ID} metadata when it is a valid id. */
  public static Optional<String> batch(TaskStatus status) {
    String batch = status.getMetadata().get(BATCH_ID);
    return batch != null && ID.matcher(batch).matches() ? Optional.of(batch) : Optional.empty();
  }
}
