package io.wanpipeline.wan.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretRedactorTest {

  @Test
  void dropsSignedQueryStringsKeysAndBearerTokens() {
    String text =
        "GET https://b.oss-cn-beijing.aliyuncs.com/x/y.mp4?Expires=1&OSSAccessKeyId=LTAI5t&Signature=a%2Bb"
            + " with Authorization: Bearer sk-0123456789abcdef and key sk-live_ABCDEFGH";
    String safe = SecretRedactor.redact(text);
    assertThat(safe)
        .contains("https://b.oss-cn-beijing.aliyuncs.com/x/y.mp4?***")
        .doesNotContain("LTAI5t")
        .doesNotContain("a%2Bb")
        .doesNotContain("0123456789abcdef")
        .doesNotContain("ABCDEFGH");
  }

  @Test
  void leavesOrdinaryTextAlone() {
    assertThat(SecretRedactor.redact("Model not exist.")).isEqualTo("Model not exist.");
    assertThat(SecretRedactor.redact(null)).isNull();
  }
}
