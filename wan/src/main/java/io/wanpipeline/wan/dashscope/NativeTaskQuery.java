package io.wanpipeline.wan.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dialect.TaskCallFlow;
import io.wanpipeline.wan.dialect.TaskQuery;

/**
 * The native task query: {@code GET /api/v1/tasks/{id}} (after a gateway's prefix), read by {@link
 * TaskResponseParser}; a 2xx object with a top-level {@code code} and no {@code output} is an
 * error.
 */
final class NativeTaskQuery implements TaskQuery {

  /** The native tasks path, below the prefix. */
  static final String TASKS_PATH = "/api/v1/tasks";

  private final String pathPrefix;

  NativeTaskQuery(String pathPrefix) {
    this.pathPrefix = pathPrefix;
  }

  @Override
  public String path(String taskId) {
    return pathPrefix + TASKS_PATH + "/" + TaskCallFlow.encodePath(taskId);
  }

  @Override
  public TaskSnapshot snapshot(JsonNode root, String taskId) throws MalformedResponseException {
    return TaskResponseParser.snapshot(root);
  }

  @Override
  public boolean errorIn(JsonNode root) {
    return errorObject(root);
  }

  /** A native answer that is an error object: a top-level {@code code} and no {@code output}. */
  static boolean errorObject(JsonNode root) {
    return root != null && root.isObject() && root.hasNonNull("code") && !root.has("output");
  }
}
