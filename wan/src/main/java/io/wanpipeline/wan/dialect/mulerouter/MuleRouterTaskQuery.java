package io.wanpipeline.wan.dialect.mulerouter;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dialect.TaskCallFlow;
import io.wanpipeline.wan.dialect.TaskQuery;
import io.wanpipeline.wan.http.SecretRedactor;
import java.util.Optional;

/**
 * MuleRouter's task query: a task is read under its model's path ({@code
 * <vendor>/{model}/generation/{id}}), so only a {@link MuleRouterTaskId} can be queried; the answer
 * is read by {@link MuleRouterAnswers}.
 */
final class MuleRouterTaskQuery implements TaskQuery {

  private final MuleRouterCreateCall paths;

  MuleRouterTaskQuery(MuleRouterCreateCall paths) {
    this.paths = paths;
  }

  @Override
  public Optional<WanError> refuse(String taskId) {
    if (MuleRouterTaskId.parse(taskId).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(
        new WanError(
            MuleRouterClient.INVALID_TASK_ID,
            "task id '"
                + SecretRedactor.redact(String.valueOf(taskId))
                + "' is not <model>/<id>: MuleRouter tasks are polled under their model's path",
            false,
            Stage.QUERY,
            0,
            null));
  }

  @Override
  public String path(String taskId) {
    MuleRouterTaskId id = MuleRouterTaskId.parse(taskId).orElseThrow();
    return paths.generationPath(id.model()) + "/" + TaskCallFlow.encodePath(id.id());
  }

  @Override
  public TaskSnapshot snapshot(JsonNode root, String taskId) throws MalformedResponseException {
    return MuleRouterAnswers.snapshot(root, taskId);
  }
}
