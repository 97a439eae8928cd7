package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestFingerprintTest {

  @Test
  void sameContentSameFingerprint() {
    assertThat(RequestFingerprint.of(Requests.i2v("r1")))
        .isEqualTo(RequestFingerprint.of(Requests.i2v("r1")))
        .startsWith(RequestFingerprint.VERSION);
  }

  @Test
  void informationalFieldsDoNotCount() {
    VideoRequest other =
        VideoRequest.newBuilder(Requests.i2v("r1"))
            .setRequestedAt(Instant.parse("2027-01-01T00:00:00Z"))
            .setMetadata(Map.of("x", "y"))
            .setPriority(Priority.BATCH)
            .build();
    assertThat(RequestFingerprint.of(other)).isEqualTo(RequestFingerprint.of(Requests.i2v("r1")));
  }

  @Test
  void whatIsGeneratedCounts() {
    String base = RequestFingerprint.of(Requests.i2v("r1"));
    VideoRequest prompt = Requests.i2v("r1");
    prompt.getInput().setPrompt("a dog surfing");
    VideoRequest model = VideoRequest.newBuilder(Requests.i2v("r1")).setModel("wan2.6-i2v").build();
    VideoRequest account = VideoRequest.newBuilder(Requests.i2v("r1")).setAccountId("b").build();
    VideoRequest provider =
        VideoRequest.newBuilder(Requests.i2v("r1")).setProviderAccount("intl").build();
    VideoRequest duration = Requests.i2v("r1");
    duration.getParameters().setDuration(10);
    for (VideoRequest r : new VideoRequest[] {prompt, model, account, provider, duration}) {
      assertThat(RequestFingerprint.of(r)).isNotEqualTo(base);
    }
  }
}
