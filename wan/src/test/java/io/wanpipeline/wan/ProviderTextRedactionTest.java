package io.wanpipeline.wan;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.dashscope.DashScopeErrorClassifier;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Found by the provider-answer fuzz tests: a provider code is text from the answer like the
 * message, yet only the message was redacted, so a key or signed link in {@code code} reached
 * WanError.code, WanError.message (which embeds the code) and TaskSnapshot.errorCode.
 */
class ProviderTextRedactionTest {
  private static final String KEY = "sk-CANARYkey0123456789";
  private static final String LINK =
      "https://b.oss-cn-beijing.aliyuncs.com/v.mp4?OSSAccessKeyId=LTAIx&Signature=CANARYsig";

  @Test
  void aSecretInAProviderCodeNeverReachesAnError() {
    WanError e =
        DashScopeErrorClassifier.fromHttp(
            400, "InvalidParameter with key " + KEY, "see " + LINK, WanError.Stage.QUERY, null);
    assertThat(e.code()).doesNotContain("CANARY");
    assertThat(e.message()).doesNotContain("CANARY");

    WanError direct =
        new WanError(
            "Bad " + KEY, "link " + LINK, false, WanError.Stage.SUBMIT, 400, Duration.ZERO);
    assertThat(direct.code()).isEqualTo("Bad sk-***");
    assertThat(direct.message()).doesNotContain("CANARY");
  }

  @Test
  void aSecretInASnapshotErrorNeverReachesIt() {
    TaskSnapshot s =
        new TaskSnapshot(
            "t1", ProviderStatus.FAILED, null, null, null, null, null, "code " + KEY, LINK);
    assertThat(s.errorCode()).doesNotContain("CANARY");
    assertThat(s.errorMessage()).doesNotContain("CANARY");
  }
}
