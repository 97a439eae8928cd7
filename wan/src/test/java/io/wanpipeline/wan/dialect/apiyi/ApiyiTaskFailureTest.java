package io.wanpipeline.wan.dialect.apiyi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dialect.newapi.NewApiFixtures;
import org.junit.jupiter.api.Test;

/** APIYI's parser classifies a failed task by the upstream code it relays. */
class ApiyiTaskFailureTest {

  @Test
  void relayedTransientCodeIsRetryable() throws Exception {
    TaskSnapshot s =
        ApiyiTaskParser.snapshot(NewApiFixtures.json("apiyi", "task-failed.json"), "asked");
    assertThat(s.failure().code()).isEqualTo("InvalidImageUrl");
    assertThat(s.failure().retryable()).isTrue();
    assertThat(s.failure().message()).doesNotContain("Signature=secret");
  }

  @Test
  void relayedParameterCodeInTheFailReasonIsPermanent() throws Exception {
    TaskSnapshot s =
        ApiyiTaskParser.snapshot(
            NewApiFixtures.json("apiyi", "task-failed-reason-only.json"), "asked");
    assertThat(s.failure().code()).isEqualTo("InvalidParameter");
    assertThat(s.failure().retryable()).isFalse();
  }
}
