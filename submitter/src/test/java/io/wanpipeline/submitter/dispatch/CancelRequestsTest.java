package io.wanpipeline.submitter.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.CommandAction;
import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.schemas.commands.RequestCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CancelRequestsTest {
  private static final Instant T0 = Instant.parse("2026-12-07T06:00:00Z");

  private final CancelRequests cancels = new CancelRequests(Duration.ofHours(24));

  private static WaitingRequest waiting(String requestId, Map<String, String> metadata) {
    return WaitingRequest.fresh(
        1,
        QueuedRequest.newBuilder()
            .setRequest(VideoRequests.i2vFlash(requestId).metadata(metadata).build())
            .setFingerprint("f")
            .setQueuedAt(T0)
            .setSourcePartition(0)
            .build());
  }

  @Test
  void aRequestIsCancelledByItsIdOrByItsBatch() {
    RequestCommand one = RequestCommands.cancelRequest("r-1", null, "ops", T0);
    RequestCommand batch = RequestCommands.cancelBatch("b-1", null, "ops", T0);
    assertThat(cancels.isEmpty()).isTrue();
    assertThat(cancels.add(one)).isTrue();
    assertThat(cancels.add(batch)).isTrue();

    assertThat(cancels.cancelling(waiting("r-1", Map.of()))).contains(one);
    assertThat(cancels.cancelling(waiting("b-1.x", Map.of("batch_id", "b-1")))).contains(batch);
    assertThat(cancels.cancelling(waiting("b-2.x", Map.of("batch_id", "b-2")))).isEmpty();
    assertThat(cancels.cancelling(waiting("r-2", Map.of()))).isEmpty();
    assertThat(cancels.changes()).isEqualTo(2);
  }

  @Test
  void aMalformedCommandIsIgnored() {
    RequestCommand noTarget =
        RequestCommand.newBuilder()
            .setCommandId("c")
            .setAction(CommandAction.CANCEL)
            .setRequestedAt(T0)
            .build();
    assertThat(cancels.add(noTarget)).isFalse();
    assertThat(cancels.isEmpty()).isTrue();
    assertThat(cancels.changes()).isZero();
  }

  @Test
  void commandsAreForgottenAfterTheirMemory() {
    cancels.add(RequestCommands.cancelRequest("r-old", null, null, T0));
    cancels.add(RequestCommands.cancelRequest("r-new", null, null, T0.plus(Duration.ofHours(2))));

    cancels.prune(T0.plus(Duration.ofHours(25)));

    assertThat(cancels.cancelling(waiting("r-old", Map.of()))).isEmpty();
    assertThat(cancels.cancelling(waiting("r-new", Map.of()))).isPresent();
  }
}
