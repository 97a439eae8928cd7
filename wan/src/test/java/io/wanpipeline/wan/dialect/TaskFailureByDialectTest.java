package io.wanpipeline.wan.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.TaskResponseParser;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterAnswers;
import io.wanpipeline.wan.dialect.vtrix.VtrixAnswers;
import org.junit.jupiter.api.Test;

/** Each dialect's parser classifies the failure of a FAILED task itself, with its own codes. */
class TaskFailureByDialectTest {

  @Test
  void nativeFailureIsClassifiedByDashScopesRules() throws Exception {
    TaskSnapshot s =
        TaskResponseParser.snapshot(DialectFixtures.json("dashscope", "query-failed.json"));
    assertThat(s.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(s.failure().code()).isEqualTo(s.errorCode());
    assertThat(s.failure().stage()).isEqualTo(WanError.Stage.EXECUTION);
  }

  @Test
  void muleRoutersOwnCodeIsPermanentAndKeptAsTheCode() throws Exception {
    TaskSnapshot s =
        MuleRouterAnswers.snapshot(
            DialectFixtures.json("mulerouter", "query-failed-execution.json"), "m/x");
    assertThat(s.failure().code()).isEqualTo("3001");
    assertThat(s.failure().retryable()).isFalse();
    assertThat(s.failure().message()).contains("Invalid image dimensions");
  }

  @Test
  void muleRoutersRelayedUpstreamCodeDecidesAndItsOwnCodeStaysInTheMessage() throws Exception {
    TaskSnapshot s =
        MuleRouterAnswers.snapshot(
            DialectFixtures.json("mulerouter", "query-failed-upstream-code.json"), "m/x");
    assertThat(s.failure().code()).isEqualTo("InternalError.Algo");
    assertThat(s.failure().retryable()).isTrue();
    assertThat(s.failure().message()).endsWith("(mulerouter code 3001)");
  }

  @Test
  void vtrixsOwnCodeIsPermanentAndARelayedOneDecides() throws Exception {
    TaskSnapshot own = VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-failed.json"));
    assertThat(own.failure().code()).isEqualTo("002014001");
    assertThat(own.failure().retryable()).isFalse();

    TaskSnapshot relayed =
        VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-failed-upstream-code.json"));
    assertThat(relayed.failure().code()).isEqualTo("DataInspectionFailed");
    assertThat(relayed.failure().retryable()).isFalse();
    assertThat(relayed.failure().message()).endsWith("(vtrix code 002014001)");
  }

  @Test
  void aFailureWithoutAnyCodeIsPermanentAndNamesTheGateway() throws Exception {
    TaskSnapshot s =
        VtrixAnswers.snapshot(DialectFixtures.json("vtrix", "task-failed-text-error.json"));
    assertThat(s.failure().code()).isEqualTo("TaskFailed");
    assertThat(s.failure().retryable()).isFalse();
    assertThat(new GatewayTaskFailure("vtrix").classify(null, null, null).message())
        .isEqualTo("the task failed at vtrix with TaskFailed");
  }

  @Test
  void aSnapshotCarriesAFailureExactlyWhenFailed() {
    WanError failure = new GatewayTaskFailure("x").classify(null, "1", "m");
    assertThatThrownBy(
            () ->
                new TaskSnapshot(
                    "t", ProviderStatus.RUNNING, null, null, null, null, null, null, null, failure))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new TaskSnapshot(
                    "t", ProviderStatus.FAILED, null, null, null, null, null, "c", "m", null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            new TaskSnapshot("t", ProviderStatus.FAILED, null, null, null, null, null, null, null)
                .failure()
                .code())
        .as("the native constructor classifies by DashScope's rules")
        .isEqualTo("TaskFailed");
  }
}
