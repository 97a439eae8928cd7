package io.wanpipeline.wan.dialect.crazyrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.dashscope.TaskResponseParser;
import io.wanpipeline.wan.dialect.newapi.NewApiErrors;
import io.wanpipeline.wan.dialect.newapi.NewApiFixtures;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The Crazyrouter alias's answers, read from fixtures; the HTTP exchange is CrazyrouterClientIT.
 */
class CrazyrouterClientTest {

  private static final String DIALECT = "crazyrouter";

  private static ProviderErrorBody read(String name) {
    return CrazyrouterClient.ERRORS.read(
        NewApiFixtures.bytes(DIALECT, name), NewApiFixtures.MAPPER);
  }

  @Test
  void modelNotFoundIsRefusedBeforeDispatchSoA503IsNotInDoubt() {
    ProviderErrorBody error = read("error-model-not-found.json");

    assertThat(error.code()).isEqualTo("model_not_found");
    assertThat(
            CrazyrouterClient.ERRORS.refusedBeforeDispatch(
                503, error, NewApiFixtures.bytes(DIALECT, "error-model-not-found.json"), null))
        .hasValueSatisfying(
            e -> {
              assertThat(e.retryable()).isFalse();
              assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
            });
  }

  @Test
  void upstreamRefusalsRelayedNativeFollowTheNativeRules() {
    ProviderErrorBody error = read("error-upstream-invalid-parameter.json");

    assertThat(error.code()).isEqualTo("InvalidParameter");
    assertThat(error.message()).contains("1080P");
    assertThat(CrazyrouterClient.ERRORS.refusedBeforeDispatch(400, error, new byte[0], null))
        .isEmpty();
    assertThat(CrazyrouterClient.ERRORS.unknownTask(400, error)).isFalse();
  }

  @Test
  void taskNotExistIsReadAsAnUnknownTask() {
    assertThat(CrazyrouterClient.ERRORS.unknownTask(400, read("error-task-not-exist.json")))
        .isTrue();
  }

  @Test
  void gatewaysOwn401CarriesNoCodeAndTheMessageOnly() {
    ProviderErrorBody error = read("error-invalid-token.json");
    assertThat(error.hasCode()).isFalse();
    assertThat(error.message()).startsWith("Invalid token");
  }

  @Test
  void answersThroughTheAliasAreNative() throws Exception {
    TaskSnapshot s =
        TaskResponseParser.snapshot(NewApiFixtures.json(DIALECT, "query-succeeded.json"));

    assertThat(s.status()).isEqualTo(ProviderStatus.SUCCEEDED);
    assertThat(s.endTime()).isEqualTo(Instant.parse("2025-10-11T11:02:27.297Z"));
    assertThat(s.usage().videoDurationMillis()).isEqualTo(5_000);
    assertThat(s.usage().tier()).isEqualTo("480P");
    assertThat(s.videoUrl().uri().getRawQuery()).contains("Signature=ExampleSig%2F%2F9Isw%3D");
  }

  @Test
  void cancelAndListFailPermanentlyWithoutACall() {
    CrazyrouterClient client =
        CrazyrouterClient.create(DashScopeClient.builder().baseUrl("http://127.0.0.1:9"));
    ApiKey key = new ApiKey("crazy#0", "sk-unit");

    QueryOutcome<Boolean> cancel = client.cancel(key, "t");
    QueryOutcome<?> list =
        client.list(key, new TaskListQuery(Instant.EPOCH, Instant.EPOCH, null, null, 1, 10));

    for (QueryOutcome<?> o : java.util.List.of(cancel, list)) {
      WanError e = ((QueryOutcome.Failed<?>) o).error();
      assertThat(e.code()).isEqualTo(NewApiErrors.UNSUPPORTED_OPERATION);
      assertThat(e.retryable()).isFalse();
      assertThat(e.httpStatus()).as("no call was made").isZero();
    }
  }
}
