package io.wanpipeline.wan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResultLinkTest {
  @Test
  void redactedDropsTheQueryString() {
    ResultLink link =
        ResultLink.of(
            "https://b.oss-cn-beijing.aliyuncs.com/1d/a.mp4?Expires=1760266939"
                + "&OSSAccessKeyId=LTAI5t&Signature=abc%3D");

    assertThat(link.redacted()).isEqualTo("https://b.oss-cn-beijing.aliyuncs.com/1d/a.mp4");
    assertThat(link.toString()).doesNotContain("Signature", "LTAI5t");
    assertThat(link.expiresAt()).contains(Instant.ofEpochSecond(1760266939));
  }

  @Test
  void redactedDropsUserinfoAndKeepsThePort() {
    ResultLink link =
        ResultLink.of("https://user:s3cret@127.0.0.1:8443/oss/a.mp4?Signature=x#frag");

    assertThat(link.redacted()).isEqualTo("https://127.0.0.1:8443/oss/a.mp4");
  }

  @Test
  void redactedDropsUserinfoOfAnUnparsableHost() {
    ResultLink link = ResultLink.of("https://user:s3cret@bad_host.example/a.mp4?Signature=x");

    assertThat(link.redacted())
        .isEqualTo("https://bad_host.example/a.mp4")
        .doesNotContain("s3cret");
  }

  /**
   * Found by the provider-answer fuzz tests in CI: a key before {@code tps://} parsed as the
   * scheme, which the redacted form keeps.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "sk-CANARYkey0123456789tps://dashscope-result-wl2Bcd%2Fef%3D",
        "ftp://b.aliyuncs.com/v.mp4",
        "file:///etc/passwd",
        "/relative/v.mp4",
        "https:opaque"
      })
  void onlyAnAbsoluteHttpLinkIsAResultLink(String url) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ResultLink.of(url))
        .withMessageNotContaining("CANARY");
  }

  /**
   * Found by the provider-answer fuzz tests: an Expires past the last Instant threw
   * DateTimeException, in the poller, which stores the expiry of every result link.
   */
  @Test
  void anExpiryOutsideTheInstantRangeIsUnknown() {
    assertThat(
            ResultLink.of("https://b.aliyuncs.com/v.mp4?Expires=99999999999999999&Signature=s")
                .expiresAt())
        .isEmpty();
    assertThat(
            ResultLink.of("https://b.aliyuncs.com/v.mp4?Expires=-99999999999999999&Signature=s")
                .expiresAt())
        .isEmpty();
  }

  @Test
  void anExpiryPastTheEpochMillisecondRangeIsUnknown() {
    // a possible Instant, but events carry the expiry as timestamp-millis (fuzzing, APIYI)
    assertThat(ResultLink.of("https://b.example.com/v.mp4?Expires=9223372036854776").expiresAt())
        .isEmpty();
    assertThat(ResultLink.of("https://b.example.com/v.mp4?Expires=9223372036854775").expiresAt())
        .contains(Instant.ofEpochSecond(9223372036854775L));
  }
}
