package io.wanpipeline.submitter.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class QueueWaitLimitTest {
  private static final Instant QUEUED_AT = Instant.parse("2026-01-01T00:00:00Z");
  private static final LaneKey LANE = new LaneKey("cn-main", "wan2.2-i2v-flash");
  private final QueueWaitLimit limit = new QueueWaitLimit(Duration.ofHours(24));

  private static WaitingRequest waiting(String id, long offset, Instant queuedAt) {
    VideoRequest request = VideoRequests.i2vFlash(id).priority(Priority.BATCH).build();
    return WaitingRequest.fresh(
        offset,
        QueuedRequest.newBuilder()
            .setRequest(request)
            .setFingerprint("fp")
            .setQueuedAt(queuedAt)
            .setSourcePartition(0)
            .build());
  }

  @Test
  void aRequestExpiresWhenItHasWaitedTheMaximumCountedFromItsQueueTime() {
    WaitingRequest w = waiting("a", 0, QUEUED_AT);
    assertThat(limit.expired(w, QUEUED_AT.plus(Duration.ofHours(24)).minusMillis(1))).isFalse();
    assertThat(limit.expired(w, QUEUED_AT.plus(Duration.ofHours(24)))).isTrue();
    assertThat(
            limit.expired(w.deferred(3, QUEUED_AT, QUEUED_AT), QUEUED_AT.plus(Duration.ofDays(2))))
        .as("a refused-and-deferred request is bounded too")
        .isTrue();
  }

  @Test
  void theErrorSaysHowLongWhereAndThatNothingWasCreated() {
    ErrorInfo error =
        limit.error(waiting("a", 0, QUEUED_AT), LANE, QUEUED_AT.plus(Duration.ofHours(25)));
    assertThat(error.getCode()).isEqualTo(QueueWaitLimit.QUEUE_TIMEOUT);
    assertThat(error.getRetryable()).isTrue();
    assertThat(error.getStage()).isEqualTo(ErrorStage.SUBMIT);
    assertThat(error.getField()).isNull();
    assertThat(error.getMessage())
        .contains("PT25H")
        .contains("cn-main")
        .contains("wan2.2-i2v-flash")
        .contains("submitter.max-queue-wait=PT24H")
        .contains("nothing was created");
  }

  @Test
  void aLaneGivesUpOnlyTheRequestsSelectedInQueueOrder() {
    Lane lane = new Lane(LANE, new SubmitRateLimiter(1.0));
    lane.add(waiting("old-2", 2, QUEUED_AT));
    lane.add(waiting("new", 3, QUEUED_AT.plus(Duration.ofHours(20))));
    lane.add(waiting("old-1", 1, QUEUED_AT));
    Instant now = QUEUED_AT.plus(Duration.ofHours(24));

    assertThat(lane.removeWaiting(w -> limit.expired(w, now)))
        .extracting(WaitingRequest::requestId)
        .containsExactly("old-1", "old-2");
    assertThat(lane.waitingCount()).isEqualTo(1);
    assertThat(lane.peek().requestId()).isEqualTo("new");
  }
}
