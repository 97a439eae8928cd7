package io.wanpipeline.wan.dialect.apiyi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.dialect.newapi.NewApiFixtures;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ApiyiErrorsTest {

  private final ApiyiErrors errors = new ApiyiErrors();

  private ProviderErrorBody read(String name) {
    return errors.read(bytes(name), NewApiFixtures.MAPPER);
  }

  private static byte[] bytes(String name) {
    return NewApiFixtures.bytes("apiyi", name);
  }

  @Test
  void missingMediaTakesTheBracketedUpstreamCodeAndIsAPermanentRefusal() {
    ProviderErrorBody error = read("error-missing-media.json");

    assertThat(error.code()).isEqualTo("InvalidParameter");
    assertThat(error.message()).isEqualTo("Field required: input.media");
    assertThat(errors.refusedBeforeDispatch(400, error, bytes("error-missing-media.json"), null))
        .as("a 4xx follows the native rules")
        .isEmpty();
    WanError e =
        DashScopeErrorClassifier.fromHttp(
            400, error.code(), error.message(), WanError.Stage.SUBMIT, null);
    assertThat(e.retryable()).isFalse();
    assertThat(e.message()).isEqualTo("InvalidParameter (HTTP 400): Field required: input.media");
  }

  @Test
  void synchronousCallIsRefusedWithTheUpstreamsAccessDenied() {
    ProviderErrorBody error = read("error-sync-call.json");
    assertThat(error.code()).isEqualTo("AccessDenied");
    assertThat(error.message()).isEqualTo("current user api does not support synchronous calls");
  }

  @Test
  void throttlingKeepsItsDottedCode() {
    ProviderErrorBody error = read("error-throttled.json");
    assertThat(error.code()).isEqualTo("Throttling.RateQuota");
    assertThat(
            DashScopeErrorClassifier.fromHttp(
                    429,
                    error.code(),
                    error.message(),
                    WanError.Stage.SUBMIT,
                    Duration.ofSeconds(2))
                .retryAfter())
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void requestApiyiCouldNotParseOrBuildNeverLeftItSoA5xxIsARefusalNotInDoubt() {
    ProviderErrorBody parse = read("error-parse-request-failed.json");
    assertThat(parse.code())
        .as("no bracket: the type is the code")
        .isEqualTo("parse_request_failed");

    ProviderErrorBody build = read("error-build-request-failed.json");
    assertThat(build.code()).isEqualTo("build_request_failed");
    assertThat(
            errors.refusedBeforeDispatch(
                500, build, bytes("error-build-request-failed.json"), Duration.ofSeconds(1)))
        .hasValueSatisfying(
            e -> {
              assertThat(e.code()).isEqualTo("build_request_failed");
              assertThat(e.httpStatus()).isEqualTo(500);
              assertThat(e.retryable()).isFalse();
              assertThat(e.stage()).isEqualTo(WanError.Stage.SUBMIT);
              assertThat(e.message()).contains("build_request_failed").contains("HTTP 500");
            });
  }

  @Test
  void upstreamServerErrorRelayedAsTaskErrorStaysInDoubt() {
    ProviderErrorBody error = read("error-upstream-internal.json");
    assertThat(error.code()).isEqualTo("InternalError");
    assertThat(
            errors.refusedBeforeDispatch(500, error, bytes("error-upstream-internal.json"), null))
        .isEmpty();
  }

  @Test
  void distributorsModelNotFoundIsAPermanentRefusal() {
    ProviderErrorBody error = read("error-model-not-found.json");
    assertThat(error.code()).isEqualTo("model_not_found");
    assertThat(errors.refusedBeforeDispatch(503, error, bytes("error-model-not-found.json"), null))
        .hasValueSatisfying(e -> assertThat(e.retryable()).isFalse());
  }

  @Test
  void bracketedCodesAreSplitOnlyAtTheStart() {
    assertThat(ApiyiErrors.Bracketed.of("  [InvalidImageUrl]  bad url "))
        .isEqualTo(new ApiyiErrors.Bracketed("InvalidImageUrl", "bad url"));
    assertThat(ApiyiErrors.Bracketed.of("see [InvalidParameter] later"))
        .isEqualTo(new ApiyiErrors.Bracketed(null, "see [InvalidParameter] later"));
    assertThat(ApiyiErrors.Bracketed.of("[] empty"))
        .isEqualTo(new ApiyiErrors.Bracketed(null, "[] empty"));
    assertThat(ApiyiErrors.Bracketed.of(null)).isEqualTo(new ApiyiErrors.Bracketed(null, null));
  }

  @Test
  void anAnswerThatIsNotJsonKeepsAnExcerpt() {
    ProviderErrorBody error =
        errors.read("<html>502 Bad Gateway</html>".getBytes(), NewApiFixtures.MAPPER);
    assertThat(error.code()).isNull();
    assertThat(error.message()).contains("502 Bad Gateway");
  }
}
