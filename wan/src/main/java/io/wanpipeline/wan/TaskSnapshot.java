package io.wanpipeline.wan;

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
    String errorMessage) {

  /** Redacts the error code and message: both are the provider's text. */
  public TaskSnapshot {
    errorCode = SecretRedactor.redact(errorCode);
    errorMessage = SecretRedactor.redact(errorMessage);
  }
}
