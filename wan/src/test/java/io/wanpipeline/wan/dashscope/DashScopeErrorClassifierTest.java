package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DashScopeErrorClassifierTest {

  @ParameterizedTest(name = "{0} {1} -> retryable={2}")
  @CsvSource({
    "429, Throttling.RateQuota, true",
    "429, Throttling.AllocationQuota, true",
    "429, , true",
    "408, RequestTimeOut, true",
    "500, InternalError, true",
    "500, InternalError.Algo, true",
    "503, , true",
    "504, , true",
    "400, InvalidParameter, false",
    "400, DataInspectionFailed, false",
    "400, Arrearage, false",
    "400, BadRequest.EmptyInput, false",
    "400, UnsupportedOperation, false",
    "401, InvalidApiKey, false",
    "403, AccessDenied, false",
    "403, AllocationQuota.FreeTierOnly, false",
    "404, ModelNotFound, false",
    "413, BadRequest.TooLarge, false",
  })
  void classifiesHttpAnswers(int status, String code, boolean retryable) {
    WanError e =
        DashScopeErrorClassifier.fromHttp(status, code, "msg", Stage.QUERY, Duration.ofSeconds(3));
    assertThat(e.retryable()).isEqualTo(retryable);
    assertThat(e.httpStatus()).isEqualTo(status);
    assertThat(e.code()).isEqualTo(code == null ? "HTTP_" + status : code);
    assertThat(e.retryAfter()).isEqualTo(retryable ? Duration.ofSeconds(3) : null);
    assertThat(e.stage()).isEqualTo(Stage.QUERY);
  }

  @ParameterizedTest(name = "task {0} -> retryable={1}")
  @CsvSource({
    "InternalError, true",
    "InternalError.Algo, true",
    "InternalError.Timeout, true",
    "InvalidImageUrl, true",
    "InvalidParameter, false",
    "DataInspectionFailed, false",
    "InvalidImageFormat, false",
    "InvalidImageResolution, false",
    "IPInfringementSuspect, false",
    "InvalidFile.Content, false",
  })
  void classifiesTaskFailures(String code, boolean retryable) {
    WanError e = DashScopeErrorClassifier.taskFailure(code, "went wrong");
    assertThat(e.retryable()).isEqualTo(retryable);
    assertThat(e.stage()).isEqualTo(Stage.EXECUTION);
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.message()).contains("went wrong");
  }

  @ParameterizedTest
  @CsvSource({"Bearer sk-abcdef123456", "https://x.oss.aliyuncs.com/a.mp4?Expires=1&Signature=zz"})
  void neverCarriesSecretsInMessages(String secretish) {
    WanError e =
        DashScopeErrorClassifier.fromHttp(
            400, "InvalidParameter", "bad " + secretish, Stage.SUBMIT, null);
    assertThat(e.message()).doesNotContain("abcdef123456").doesNotContain("Signature=zz");
  }
}
