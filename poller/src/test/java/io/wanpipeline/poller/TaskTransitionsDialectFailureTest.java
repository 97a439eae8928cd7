package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import org.junit.jupiter.api.Test;

/** A FAILED task's event carries the failure its dialect classified, not DashScope's reading. */
class TaskTransitionsDialectFailureTest {
  private final TaskTransitions transitions = Tasks.transitions();
  private final InFlightTask submitted = transitions.track(Tasks.submitted("r1", "t1"));

  private ErrorInfo failedWith(String code, WanError failure) {
    TaskSnapshot failed =
        new TaskSnapshot(
            "t1",
            ProviderStatus.FAILED,
            T0,
            null,
            T0.plusSeconds(9),
            null,
            null,
            code,
            "went wrong",
            failure);
    var t = transitions.onAnswer(submitted, failed, T0.plusSeconds(10));
    assertThat(t.ended()).isTrue();
    assertThat(t.emit().getState()).isEqualTo(TaskState.FAILED);
    return t.emit().getError();
  }

  @Test
  void aGatewayCodeTheDialectCallsRetryableStaysRetryable() {
    ErrorInfo e =
        failedWith(
            "3001",
            new WanError(
                "3001", "gateway says try again", true, WanError.Stage.EXECUTION, 200, null));
    assertThat(e.getCode()).isEqualTo("3001");
    assertThat(e.getRetryable()).as("DashScope's rules would call 3001 permanent").isTrue();
    assertThat(e.getMessage()).isEqualTo("gateway says try again");
    assertThat(e.getStage()).isEqualTo(ErrorStage.EXECUTION);
  }

  @Test
  void anUpstreamCodeTheDialectCallsPermanentStaysPermanent() {
    ErrorInfo e =
        failedWith(
            "InternalError.Algo",
            new WanError(
                "InternalError.Algo", "final here", false, WanError.Stage.EXECUTION, 200, null));
    assertThat(e.getRetryable()).as("DashScope's rules would call it retryable").isFalse();
  }
}
