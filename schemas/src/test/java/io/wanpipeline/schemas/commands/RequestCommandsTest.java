package io.wanpipeline.schemas.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.CommandAction;
import io.wanpipeline.events.RequestCommand;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestCommandsTest {
  private static final Instant AT = Instant.parse("2026-12-07T06:00:00.123456Z");

  @Test
  void aCommandIsKeyedByItsTarget() {
    RequestCommand request = RequestCommands.cancelRequest("r-1", "why", "ops", AT);
    RequestCommand batch = RequestCommands.cancelBatch("b-1", null, null, AT);
    assertThat(RequestCommands.key(request)).isEqualTo("request:r-1");
    assertThat(RequestCommands.key(batch)).isEqualTo("batch:b-1");
    assertThat(request.getAction()).isEqualTo(CommandAction.CANCEL);
    assertThat(request.getRequestedAt()).isEqualTo(Instant.parse("2026-12-07T06:00:00.123Z"));
    assertThat(request.getCommandId()).isNotEqualTo(batch.getCommandId());
  }

  @Test
  void aCommandNeedsOneTargetInTheIdGrammarAndAKnownAction() {
    RequestCommand.Builder base =
        RequestCommand.newBuilder()
            .setCommandId("c")
            .setAction(CommandAction.CANCEL)
            .setRequestedAt(AT);
    assertThat(RequestCommands.problem(base.build()))
        .contains("exactly one of request_id and batch_id must be set");
    assertThat(RequestCommands.problem(base.setRequestId("r").setBatchId("b").build()))
        .contains("exactly one of request_id and batch_id must be set");
    assertThat(RequestCommands.problem(base.setBatchId(null).setRequestId("bad id").build()))
        .get()
        .asString()
        .contains("request_id");
    assertThat(
            RequestCommands.problem(
                base.setRequestId("r").setAction(CommandAction.UNRECOGNIZED).build()))
        .get()
        .asString()
        .contains("unknown action");
    assertThat(RequestCommands.wellFormed(base.setAction(CommandAction.CANCEL).build())).isTrue();
    assertThat(RequestCommands.wellFormed(null)).isFalse();
  }

  @Test
  void theProducersToolRefusesAnOverlongReasonAndTheConsumersCutIt() {
    String longReason = "x".repeat(RequestCommands.MAX_REASON + 1);
    assertThatThrownBy(() -> RequestCommands.cancelRequest("r", longReason, null, AT))
        .hasMessageContaining("reason is longer than 500");
    assertThatThrownBy(() -> RequestCommands.cancelRequest("r", null, "y".repeat(256), AT))
        .hasMessageContaining("requested_by is longer than 255");
    RequestCommand produced =
        RequestCommand.newBuilder()
            .setCommandId("c9")
            .setAction(CommandAction.CANCEL)
            .setRequestId("r")
            .setReason(longReason)
            .setRequestedAt(AT)
            .build();
    assertThat(RequestCommands.wellFormed(produced)).as("a long reason does not stop it").isTrue();
    assertThat(RequestCommands.describe(produced)).isEqualTo("command c9: " + "x".repeat(500));
  }

  @Test
  void aRequestsBatchIsItsValidBatchIdMetadata() {
    assertThat(RequestCommands.batchOf(Map.of("batch_id", "b-7"))).contains("b-7");
    assertThat(RequestCommands.batchOf(Map.of("batch_id", "no spaces"))).isEmpty();
    assertThat(RequestCommands.batchOf(Map.of())).isEmpty();
    assertThat(RequestCommands.batchOf(null)).isEmpty();
  }
}
