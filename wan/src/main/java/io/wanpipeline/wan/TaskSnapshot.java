package io.wanpipeline.wan;

import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.http.SecretRedactor;
import java.time.Instant;

/**
 * One answer of the provider about one task.
 *
 * @param taskId provider task id
 * @param status normalised status
 * @param submitTime when the provider queued the task, or null
 * @param scheduledTime when generation started, or null
 * @param endTime when the task ended, or null while running
 * @param videoUrl the signed result link on SUCCEEDED, else null
 * @param usage reported usage on SUCCEEDED, else null
 * @param errorCode provider error code on FAILED, else null
 * @param errorMessage provider error message on FAILED, else null
 * @param failure on FAILED, the failure as the answering dialect classified it (stage {@link
 *     WanError.Stage#EXECUTION}, retryable by a new submission or not); null for any other status
 */
public record TaskSnapshot(
    String taskId,
    ProviderStatus status,
    Instant submitTime,
    Instant scheduledTime,
    Instant endTime,
    ResultLink videoUrl,
    TaskUsage usage,
    String errorCode,
    String errorMessage,
    WanError failure) {

  /**
   * Redacts the error code and message (both are the provider's text) and checks that a failure is
   * given exactly for a FAILED task.
   */
  public TaskSnapshot {
    errorCode = SecretRedactor.redact(errorCode);
    errorMessage = SecretRedactor.redact(errorMessage);
    if ((status == ProviderStatus.FAILED) != (failure != null)) {
      throw new IllegalArgumentException(
          "a classified failure is required for a FAILED task and only for it: status " + status);
    }
    if (failure != null && failure.stage() != WanError.Stage.EXECUTION) {
      throw new IllegalArgumentException("a task failure has stage EXECUTION: " + failure.stage());
    }
  }

  /**
   * A snapshot in the native dialect's words: a FAILED task's failure is classified by DashScope's
   * rules ({@link DashScopeErrorClassifier#taskFailure(String, String)}) from {@code errorCode} and
   * {@code errorMessage}.
   */
  public TaskSnapshot(
      String taskId,
      ProviderStatus status,
      Instant submitTime,
      Instant scheduledTime,
      Instant endTime,
      ResultLink videoUrl,
      TaskUsage usage,
      String errorCode,
      String errorMessage) {
    this(
        taskId,
        status,
        submitTime,
        scheduledTime,
        endTime,
        videoUrl,
        usage,
        errorCode,
        errorMessage,
        status == ProviderStatus.FAILED
            ? DashScopeErrorClassifier.taskFailure(errorCode, errorMessage)
            : null);
  }

  /** This snapshot about {@code id}, for answers that do not name their task. */
  public TaskSnapshot withTaskId(String id) {
    return new TaskSnapshot(
        id,
        status,
        submitTime,
        scheduledTime,
        endTime,
        videoUrl,
        usage,
        errorCode,
        errorMessage,
        failure);
  }
}
