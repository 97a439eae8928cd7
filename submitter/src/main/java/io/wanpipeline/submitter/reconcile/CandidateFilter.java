package io.wanpipeline.submitter.reconcile;

import io.wanpipeline.wan.TaskPage;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a listed task may be the one an in-doubt create call made: a task of the same
 * model, created inside the search window, that the pipeline does not already know. The provider's
 * own filters are not trusted alone (a relay may ignore them), so each is applied again here.
 *
 * @param model the in-doubt request's model
 * @param window the creation-time window of the call
 * @param knownTaskIds task ids the pipeline knows for the (account, model); never candidates
 */
public record CandidateFilter(String model, SearchWindow window, Set<String> knownTaskIds) {

  public CandidateFilter {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(window, "window");
    knownTaskIds = knownTaskIds == null ? Set.of() : Set.copyOf(knownTaskIds);
  }

  /**
   * True when {@code task} may be the in-doubt task. A task whose model or creation time the list
   * did not give is judged on the provider's filters alone.
   */
  public boolean admits(TaskPage.Entry task) {
    if (task.taskId() == null || task.taskId().isBlank()) {
      return false;
    }
    if (knownTaskIds.contains(task.taskId())) {
      return false;
    }
    if (task.model() != null && !task.model().equals(model)) {
      return false;
    }
    return task.created() == null || window.contains(task.created());
  }
}
