package io.wanpipeline.wan.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.MalformedResponseException;
import java.util.Optional;

/**
 * Where one dialect reads one task and how it reads the answer; {@link TaskCallFlow#query} does the
 * rest (sending, the unanswered case, an unknown task, error statuses, malformed answers, logging).
 */
public interface TaskQuery {

  /** A refusal of a task id the dialect cannot query, decided before any call; empty to send. */
  default Optional<WanError> refuse(String taskId) {
    return Optional.empty();
  }

  /** The query path below the base URL, already encoded. */
  String path(String taskId);

  /**
   * The snapshot of a 2xx answer, its failure classified by the dialect.
   *
   * @param taskId the id asked about, for answers that do not name their task
   * @throws MalformedResponseException when the answer is not the dialect's documented JSON
   */
  TaskSnapshot snapshot(JsonNode root, String taskId) throws MalformedResponseException;

  /** Whether a 2xx answer is in fact an error object; by default never. */
  default boolean errorIn(JsonNode root) {
    return false;
  }
}
