package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import java.time.Instant;
import java.util.Comparator;

/**
 * A queued request waiting for its create call, as its dispatcher holds it.
 *
 * @param offset its offset in the queue partition
 * @param queued the queued record
 * @param attempts create calls made so far (all refused with a retryable answer)
 * @param firstAttemptAt when the first call was about to be made, or null before any
 * @param notBefore the earliest time of the next call (a DEFERRED retry_at), or null
 */
public record WaitingRequest(
    long offset, QueuedRequest queued, int attempts, Instant firstAttemptAt, Instant notBefore) {

  /** LIVE before BATCH, then in queue order. */
  public static final Comparator<WaitingRequest> ORDER =
      Comparator.comparingInt((WaitingRequest w) -> rank(w.request().getPriority()))
          .thenComparingLong(WaitingRequest::offset);

  /** A request never attempted. */
  public static WaitingRequest fresh(long offset, QueuedRequest queued) {
    return new WaitingRequest(offset, queued, 0, null, null);
  }

  /** The request itself. */
  public VideoRequest request() {
    return queued.getRequest();
  }

  /** When intake queued it. */
  public Instant queuedAt() {
    return queued.getQueuedAt();
  }

  /** Its request_id. */
  public String requestId() {
    return queued.getRequest().getRequestId();
  }

  /** This request after another refused call, to be tried again at {@code retryAt}. */
  public WaitingRequest deferred(int attemptsSoFar, Instant first, Instant retryAt) {
    return new WaitingRequest(offset, queued, attemptsSoFar, first, retryAt);
  }

  private static int rank(Priority priority) {
    return priority == Priority.BATCH ? 1 : 0;
  }
}
