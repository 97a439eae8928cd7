package io.wanpipeline.wan.dialect.vtrix;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import io.wanpipeline.wan.dialect.TaskCallFlow;
import io.wanpipeline.wan.dialect.TaskQuery;
import java.util.Optional;

/**
 * Vtrix's task query: {@code GET /model/v1/generation/task/{id}}, answered by the task object
 * ({@link VtrixAnswers}); an answer without an id is about the task asked for.
 */
final class VtrixTaskQuery implements TaskQuery {

  @Override
  public Optional<WanError> refuse(String taskId) {
    if (taskId != null && !taskId.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(
        new WanError("INVALID_TASK_ID", "task id is blank", false, Stage.QUERY, 0, null));
  }

  @Override
  public String path(String taskId) {
    return VtrixClient.TASK_PATH + TaskCallFlow.encodePath(taskId);
  }

  @Override
  public TaskSnapshot snapshot(JsonNode root, String taskId) throws MalformedResponseException {
    TaskSnapshot parsed = VtrixAnswers.snapshot(root);
    return parsed.taskId() != null ? parsed : parsed.withTaskId(taskId);
  }
}
