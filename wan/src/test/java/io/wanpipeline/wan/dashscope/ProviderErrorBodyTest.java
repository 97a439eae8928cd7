package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProviderErrorBodyTest {

  @Test
  void readsTopLevelErrorObject() {
    ProviderErrorBody e =
        ProviderErrorBody.parse(Fixtures.bytes("error-invalid-api-key.json"), Fixtures.MAPPER);
    assertThat(e.code()).isEqualTo("InvalidApiKey");
    assertThat(e.message()).isEqualTo("Invalid API-key provided.");
    assertThat(e.requestId()).isEqualTo("a1c0561c-1dfe-98a6-a62f-983577b8bc5e");
  }

  @Test
  void keepsTrailingHelpLinkButTrimsWhitespace() {
    ProviderErrorBody e =
        ProviderErrorBody.parse(Fixtures.bytes("error-throttling-help-link.json"), Fixtures.MAPPER);
    assertThat(e.code()).isEqualTo("Throttling.RateQuota");
    assertThat(e.message()).startsWith("Requests rate limit exceeded").endsWith("error-code");
  }

  @Test
  void readsArrearageWhoseMessageEndsInAHelpLink() {
    ProviderErrorBody e =
        ProviderErrorBody.parse(Fixtures.bytes("error-arrearage-help-link.json"), Fixtures.MAPPER);
    assertThat(e.code()).isEqualTo("Arrearage");
    assertThat(e.message())
        .startsWith("Access denied")
        .endsWith("https://help.aliyun.com/zh/model-studio/error-code#overdue-payment");
    assertThat(e.requestId()).isEqualTo("dd4dde8f-7257-9ac0-aa98-e674d124093c");
  }

  @Test
  void readsOpenAiCompatibleErrorAndRedactsKeys() {
    ProviderErrorBody e =
        ProviderErrorBody.parse(Fixtures.bytes("error-openai-compatible.json"), Fixtures.MAPPER);
    assertThat(e.code()).isEqualTo("invalid_api_key");
    assertThat(e.message()).doesNotContain("abcd1234").contains("sk-***");
    assertThat(e.requestId()).isEqualTo("0f1e2d3c-4b5a-9687-8a9b-0c1d2e3f4a5b");
  }

  @Test
  void excerptsNonJsonBodies() {
    ProviderErrorBody e =
        ProviderErrorBody.parse(
            "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8), Fixtures.MAPPER);
    assertThat(e.code()).isNull();
    assertThat(e.message()).isEqualTo("<html>502 Bad Gateway</html>");
    assertThat(ProviderErrorBody.parse(new byte[0], Fixtures.MAPPER).message()).isNull();
  }
}
