package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Objects;

/** Builds the submitter's task-status events (SUBMITTED, REJECTED, FAILED) from a request. */
public final class StatusEvents {
  private final Clock clock;

  /** Events stamped with {@code clock}. */
  public StatusEvents(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A SUBMITTED event of {@code taskId}. */
  public TaskStatus submitted(
      VideoRequest request,
      RequestedFacts facts,
      String providerAccount,
      String taskId,
      String apiKeyRef,
      Instant submittedAt) {
    return base(request, facts, providerAccount, TaskState.SUBMITTED)
        .setTaskId(taskId)
        .setApiKeyRef(apiKeyRef)
        .setSubmittedAt(submittedAt.truncatedTo(ChronoUnit.MILLIS))
        .build();
  }

  /** A REJECTED event with {@code error}. */
  public TaskStatus rejected(
      VideoRequest request, RequestedFacts facts, String providerAccount, ErrorInfo error) {
    return base(request, facts, providerAccount, TaskState.REJECTED).setError(error).build();
  }

  /** A FAILED event with {@code error}. */
  public TaskStatus failed(
      VideoRequest request, RequestedFacts facts, String providerAccount, ErrorInfo error) {
    return base(request, facts, providerAccount, TaskState.FAILED).setError(error).build();
  }

  /** A CANCELED event with {@code error}: the request was cancelled before any create call. */
  public TaskStatus canceled(
      VideoRequest request, RequestedFacts facts, String providerAccount, ErrorInfo error) {
    return base(request, facts, providerAccount, TaskState.CANCELED).setError(error).build();
  }

  private TaskStatus.Builder base(
      VideoRequest request, RequestedFacts facts, String providerAccount, TaskState state) {
    return TaskStatus.newBuilder()
        .setRequestId(request.getRequestId())
        .setAccountId(request.getAccountId())
        .setProviderAccount(providerAccount)
        .setApiKeyRef(null)
        .setModel(request.getModel())
        .setState(state)
        .setTaskId(null)
        .setEventTime(clock.instant().truncatedTo(ChronoUnit.MILLIS))
        .setSubmittedAt(null)
        .setProviderEndTime(null)
        .setPriority(request.getPriority())
        .setRequestedResolution(facts.resolution())
        .setRequestedDuration(facts.durationSeconds())
        .setRequestedAudio(facts.audio())
        .setUsage(null)
        .setError(null)
        .setArchive(null)
        .setResultUrl(null)
        .setMetadata(
            request.getMetadata() == null ? new HashMap<>() : new HashMap<>(request.getMetadata()));
  }
}
