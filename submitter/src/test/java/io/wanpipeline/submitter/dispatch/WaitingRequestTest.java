package io.wanpipeline.submitter.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

class WaitingRequestTest {
  private static WaitingRequest waiting(String id, long offset, Priority priority) {
    VideoRequest request = VideoRequests.i2vFlash(id).priority(priority).build();
    QueuedRequest queued =
        QueuedRequest.newBuilder()
            .setRequest(request)
            .setFingerprint("fp")
            .setQueuedAt(Instant.parse("2026-01-01T00:00:00Z"))
            .setSourcePartition(0)
            .build();
    return WaitingRequest.fresh(offset, queued);
  }

  @Test
  void liveGoesBeforeBatchThenQueueOrder() {
    PriorityQueue<WaitingRequest> queue = new PriorityQueue<>(WaitingRequest.ORDER);
    queue.add(waiting("batch-1", 1, Priority.BATCH));
    queue.add(waiting("batch-2", 2, Priority.BATCH));
    queue.add(waiting("live-5", 5, Priority.LIVE));
    queue.add(waiting("batch-0", 0, Priority.BATCH));
    queue.add(waiting("live-3", 3, Priority.LIVE));
    List<String> order = new ArrayList<>();
    while (!queue.isEmpty()) {
      order.add(queue.poll().requestId());
    }
    assertThat(order).containsExactly("live-3", "live-5", "batch-0", "batch-1", "batch-2");
  }

  @Test
  void aDeferredRequestKeepsItsPlace() {
    WaitingRequest w = waiting("a", 7, Priority.BATCH);
    Instant retryAt = Instant.parse("2026-01-01T00:00:05Z");
    WaitingRequest deferred = w.deferred(2, Instant.parse("2026-01-01T00:00:00Z"), retryAt);
    assertThat(WaitingRequest.ORDER.compare(w, deferred)).isZero();
    assertThat(deferred.attempts()).isEqualTo(2);
    assertThat(deferred.notBefore()).isEqualTo(retryAt);
  }
}
