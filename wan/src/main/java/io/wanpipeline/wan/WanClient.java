package io.wanpipeline.wan;

/**
 * A Wan provider, in one dialect. Implementations are thread-safe, use per-attempt timeouts, never
 * retry a create call themselves and never put keys or signed query strings into errors.
 */
public interface WanClient {

  /** Header that carries the pipeline's request_id on every create call. */
  String REQUEST_ID_HEADER = "X-Wan-Pipeline-Request-Id";

  /**
   * Creates a task. Sends {@link #REQUEST_ID_HEADER} with {@code pipelineRequestId}.
   *
   * @param key the key to create the task with; the task must later be polled with the same key
   * @param request what to generate
   * @param pipelineRequestId the pipeline's request_id
   */
  SubmitOutcome submit(ApiKey key, GenerationRequest request, String pipelineRequestId);

  /** Queries one task. */
  QueryOutcome<TaskSnapshot> query(ApiKey key, String taskId);

  /** Cancels a PENDING task; a task in any other state answers a non-retryable failure. */
  QueryOutcome<Boolean> cancel(ApiKey key, String taskId);

  /** Lists tasks created with the account of {@code key}. */
  QueryOutcome<TaskPage> list(ApiKey key, TaskListQuery query);
}
