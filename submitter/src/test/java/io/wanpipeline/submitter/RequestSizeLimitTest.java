package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestSizeLimitTest {
  private final Topics topics = new Topics(TopicNames.withPrefix(""), new InMemorySchemaRegistry());

  /** A valid request whose serialized record value is exactly {@code bytes} long. */
  private VideoRequest withPromptSizedTo(int bytes) {
    VideoRequest r = Requests.i2v("req-size");
    int base = serialized(r);
    String prompt = r.getInput().getPrompt();
    // The prompt's length prefix is a varint: grow it until the total matches exactly.
    for (int extra = bytes - base - 4; extra <= bytes - base; extra++) {
      VideoRequest sized =
          VideoRequest.newBuilder(r)
              .setInput(
                  VideoInput.newBuilder(r.getInput())
                      .setPrompt(prompt + "x".repeat(Math.max(0, extra)))
                      .build())
              .build();
      if (serialized(sized) == bytes) {
        return sized;
      }
    }
    throw new IllegalStateException("cannot size a request to " + bytes + " bytes");
  }

  private int serialized(VideoRequest r) {
    return topics.videoRequests().valueBytes(r).length;
  }

  private Optional<ErrorInfo> check(VideoRequest r) {
    return RequestSizeLimit.check(serialized(r), r);
  }

  @Test
  void theLimitIsHalfOfKafkasDefaultMessageSize() {
    assertThat(RequestSizeLimit.MAX_BYTES).isEqualTo(524_288);
  }

  @Test
  void aRequestOfExactlyTheLimitIsAccepted() {
    VideoRequest atLimit = withPromptSizedTo(RequestSizeLimit.MAX_BYTES);

    assertThat(serialized(atLimit)).isEqualTo(524_288);
    assertThat(check(atLimit)).isEmpty();
  }

  @Test
  void oneByteOverTheLimitIsRejectedNamingTheLimitAndTheDominantField() {
    VideoRequest over = withPromptSizedTo(RequestSizeLimit.MAX_BYTES + 1);

    ErrorInfo error = check(over).orElseThrow();

    assertThat(error.getCode()).isEqualTo("REQUEST_TOO_LARGE");
    assertThat(error.getField()).isEqualTo("input.prompt");
    assertThat(error.getStage()).isEqualTo(ErrorStage.VALIDATION);
    assertThat(error.getRetryable()).isFalse();
    assertThat(error.getMessage())
        .startsWith(
            "the request is 524,289 bytes serialized, over the limit of 524,288 bytes (512 KiB);"
                + " input.prompt takes 524,")
        .doesNotContain("xxxx");
  }

  @Test
  void noFieldIsNamedWhenNoneHoldsMostOfTheBytes() {
    VideoRequest r = Requests.i2v("req-split");
    Map<String, String> metadata = new HashMap<>();
    metadata.put("notes", "m".repeat(300_000));
    VideoRequest split =
        VideoRequest.newBuilder(r)
            .setInput(VideoInput.newBuilder(r.getInput()).setPrompt("p".repeat(300_000)).build())
            .setMetadata(metadata)
            .build();

    ErrorInfo error = check(split).orElseThrow();

    assertThat(error.getField()).isNull();
  }

  @Test
  void metadataOverTheLimitIsNamedAndNotCopiedOntoEvents() {
    Map<String, String> metadata = new HashMap<>();
    metadata.put("blob", "b".repeat(RequestSizeLimit.MAX_BYTES));
    VideoRequest big =
        VideoRequest.newBuilder(Requests.i2v("req-meta")).setMetadata(metadata).build();

    ErrorInfo error = check(big).orElseThrow();

    assertThat(error.getField()).isEqualTo("metadata");
    assertThat(error.getMessage()).contains("the metadata is not copied onto this event");
    assertThat(RequestSizeLimit.forEvents(big).getMetadata()).isEmpty();
    assertThat(RequestSizeLimit.forEvents(Requests.i2v("req-small")).getMetadata())
        .containsEntry("campaign", "spring");
  }
}
