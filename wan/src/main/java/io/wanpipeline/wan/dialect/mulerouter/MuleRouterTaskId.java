package io.wanpipeline.wan.dialect.mulerouter;

import java.util.Objects;
import java.util.Optional;

/**
 * The task id {@link MuleRouterClient} hands out: {@code <model>/<gateway task id>}, for example
 * {@code wan2.2-i2v-flash/3c90c3cc-0d44-4b50-8888-8dd25736052a}. MuleRouter polls a task under its
 * model's path ({@code GET /vendors/alibaba/v1/{model}/generation/{id}}) while {@link
 * io.wanpipeline.wan.WanClient#query} receives only a task id, so the model travels inside the id;
 * model ids never contain a slash.
 *
 * @param model the model the task was created with
 * @param id MuleRouter's own task id
 */
public record MuleRouterTaskId(String model, String id) {

  public MuleRouterTaskId {
    if (!segment(model) || !segment(id)) {
      throw new IllegalArgumentException("model and id must be non-blank and free of '/'");
    }
  }

  /** Reads {@code <model>/<id>}; empty for anything else (for example a bare gateway id). */
  public static Optional<MuleRouterTaskId> parse(String taskId) {
    if (taskId == null) {
      return Optional.empty();
    }
    int slash = taskId.indexOf('/');
    if (slash <= 0) {
      return Optional.empty();
    }
    String model = taskId.substring(0, slash);
    String id = taskId.substring(slash + 1);
    return segment(model) && segment(id)
        ? Optional.of(new MuleRouterTaskId(model, id))
        : Optional.empty();
  }

  /** True when {@code s} can be one path segment of a MuleRouter URL. */
  static boolean segment(String s) {
    return s != null
        && !s.isBlank()
        && s.chars().noneMatch(c -> c == '/' || c == '?' || c == '#' || Character.isWhitespace(c));
  }

  @Override
  public String toString() {
    return Objects.requireNonNull(model) + "/" + id;
  }
}
