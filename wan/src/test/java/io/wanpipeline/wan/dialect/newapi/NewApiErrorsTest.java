package io.wanpipeline.wan.dialect.newapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NewApiErrorsTest {

  @Test
  void modelNotFoundFromTheDistributorIsAPermanentSubmitRefusalWhateverTheStatus() {
    ProviderErrorBody body =
        ProviderErrorBody.parse(
            NewApiFixtures.bytes("crazyrouter", "error-model-not-found.json"),
            NewApiFixtures.MAPPER);

    assertThat(NewApiErrors.distributorRefusal(503, body, Duration.ofSeconds(3)))
        .hasValueSatisfying(
            e -> {
              assertThat(e.code()).isEqualTo("model_not_found");
              assertThat(e.httpStatus()).isEqualTo(503);
              assertThat(e.retryable()).as("fix the token's allowlist").isFalse();
              assertThat(e.retryAfter()).isNull();
              assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
              assertThat(e.message()).contains("wan2.7-i2v").contains("(distributor)");
            });
  }

  @Test
  void temporarilyUnavailableChannelIsARetryableRefusalKeepingRetryAfter() {
    ProviderErrorBody body =
        ProviderErrorBody.parse(
            NewApiFixtures.bytes("crazyrouter", "error-get-channel-failed.json"),
            NewApiFixtures.MAPPER);

    assertThat(NewApiErrors.distributorRefusal(503, body, Duration.ofSeconds(3)))
        .hasValueSatisfying(
            e -> {
              assertThat(e.code()).isEqualTo("get_channel_failed");
              assertThat(e.retryable()).isTrue();
              assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
            });
  }

  @Test
  void upstreamErrorsAndAuthErrorsAreNotTheDistributors() {
    for (String name :
        new String[] {"error-upstream-invalid-parameter.json", "error-invalid-token.json"}) {
      ProviderErrorBody body =
          ProviderErrorBody.parse(NewApiFixtures.bytes("crazyrouter", name), NewApiFixtures.MAPPER);
      assertThat(NewApiErrors.distributorRefusal(400, body, null)).as(name).isEmpty();
      assertThat(NewApiErrors.taskNotExist(body)).as(name).isFalse();
    }
  }

  @Test
  void taskNotExistIsRecognised() {
    ProviderErrorBody body =
        ProviderErrorBody.parse(
            NewApiFixtures.bytes("crazyrouter", "error-task-not-exist.json"),
            NewApiFixtures.MAPPER);
    assertThat(NewApiErrors.taskNotExist(body)).isTrue();
  }

  @Test
  void unsupportedOperationIsPermanentAndSaysWhoDoesNotOfferIt() {
    WanError e = NewApiErrors.unsupported("cancel", "crazyrouter", "only create and query");
    assertThat(e.code()).isEqualTo(NewApiErrors.UNSUPPORTED_OPERATION);
    assertThat(e.message())
        .isEqualTo("cancel is not supported by crazyrouter: only create and query");
    assertThat(e.retryable()).isFalse();
    assertThat(e.httpStatus()).isZero();
  }
}
