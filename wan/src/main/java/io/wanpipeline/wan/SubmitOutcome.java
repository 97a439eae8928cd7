package io.wanpipeline.wan;

/** The result of a create-task call. */
public sealed interface SubmitOutcome {

  /** The provider created the task. */
  record Accepted(String taskId, ProviderStatus status, String providerRequestId)
      implements SubmitOutcome {}

  /**
   * The provider answered and did not create a task (4xx, including 429). Safe to retry when {@code
   * error.retryable()}.
   */
  record Refused(WanError error) implements SubmitOutcome {}

  /**
   * The request may have reached the provider, but no answer proves whether a task was created
   * (timeout, connection reset, a 5xx other than 503). Never retried automatically: a second
   * submission is a second charge.
   */
  record InDoubt(String reason) implements SubmitOutcome {}
}
