package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Decides when a queued request has waited too long for its create call ({@code
 * submitter.max-queue-wait}, counted from intake's {@code queued_at}), and the error it then ends
 * FAILED with: {@link #QUEUE_TIMEOUT}, retryable, at the submit stage; nothing was created.
 *
 * @param max the longest wait
 */
public record QueueWaitLimit(Duration max) {
  /** Error code of a request that waited longer than the maximum queue wait. */
  public static final String QUEUE_TIMEOUT = "QUEUE_TIMEOUT";

  public QueueWaitLimit {
    Objects.requireNonNull(max, "max");
  }

  /** True once {@code request} has waited {@link #max()} or longer at {@code now}. */
  public boolean expired(WaitingRequest request, Instant now) {
    return !now.isBefore(request.queuedAt().plus(max));
  }

  /** The error of {@code request}, which waited too long in {@code lane}. */
  public ErrorInfo error(WaitingRequest request, LaneKey lane, Instant now) {
    Duration waited = Duration.between(request.queuedAt(), now);
    return ErrorInfo.newBuilder()
        .setCode(QUEUE_TIMEOUT)
        .setMessage(
            "waited "
                + waited
                + " in the submission queue of account '"
                + lane.account()
                + "', model "
                + lane.model()
                + " without being submitted (submitter.max-queue-wait="
                + max
                + "); nothing was created, send it again under a new request_id")
        .setRetryable(true)
        .setStage(ErrorStage.SUBMIT)
        .setField(null)
        .build();
  }
}
