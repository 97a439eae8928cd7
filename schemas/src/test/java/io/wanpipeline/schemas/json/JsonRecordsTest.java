package io.wanpipeline.schemas.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.schemas.json.JsonRecords.InvalidJsonRecord;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRecordsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  private static VideoRequest request(String text) throws Exception {
    return JsonRecords.read(json(text), VideoRequest.getClassSchema());
  }

  @Test
  void readsARequestAsPeopleWriteItWithTheSchemaDefaultsForWhatIsLeftOut() throws Exception {
    VideoRequest r =
        request(
            "{\"request_id\":\"r1\",\"account_id\":\"acme\",\"model\":\"wan2.2-i2v-flash\","
                + "\"input\":{\"prompt\":\"a cat\",\"img_url\":\"https://example.com/cat.png\"},"
                + "\"parameters\":{\"resolution\":\"480P\",\"duration\":5,\"audio\":false,"
                + "\"seed\":42,\"strength\":0.5},"
                + "\"priority\":\"BATCH\",\"requested_at\":\"2026-06-01T08:00:00Z\","
                + "\"metadata\":{\"custom_id\":\"line-1\"}}");

    assertThat(r.getRequestId()).isEqualTo("r1");
    assertThat(r.getProviderAccount()).as("default null").isNull();
    assertThat(r.getInput().getPrompt()).isEqualTo("a cat");
    assertThat(r.getInput().getReferenceUrls()).as("default []").isEmpty();
    assertThat(r.getParameters().getDuration()).isEqualTo(5);
    assertThat(r.getParameters().getSeed()).isEqualTo(42L);
    assertThat(r.getParameters().getStrength()).isEqualTo(0.5);
    assertThat(r.getPriority()).isEqualTo(Priority.BATCH);
    assertThat(r.getRequestedAt()).isEqualTo(Instant.parse("2026-06-01T08:00:00Z"));
    assertThat(r.getMetadata()).isEqualTo(Map.of("custom_id", "line-1"));
  }

  @Test
  void takesAvrosOwnUnionFormAndEpochMillisToo() throws Exception {
    VideoRequest r =
        request(
            "{\"request_id\":\"r1\",\"account_id\":\"acme\",\"model\":\"m\",\"input\":{},"
                + "\"parameters\":{\"duration\":{\"int\":7},\"resolution\":{\"string\":\"720P\"}},"
                + "\"requested_at\":1780300800000}");

    assertThat(r.getParameters().getDuration()).isEqualTo(7);
    assertThat(r.getParameters().getResolution()).isEqualTo("720P");
    assertThat(r.getPriority()).as("the enum's default").isEqualTo(Priority.LIVE);
    assertThat(r.getRequestedAt()).isEqualTo(Instant.ofEpochMilli(1780300800000L));
  }

  @Test
  void namesTheFieldOfEveryMistake() {
    String base =
        "{\"request_id\":\"r1\",\"account_id\":\"acme\",\"model\":\"m\",\"input\":{},"
            + "\"parameters\":%s%s}";
    assertField(base.formatted("{\"duration\":\"7s\"}", ""), "parameters.duration", "integer");
    assertField(base.formatted("{\"durations\":7}", ""), "parameters.durations", "no such field");
    assertField(base.formatted("{}", ",\"priority\":\"URGENT\""), "priority", "[LIVE, BATCH]");
    assertField(base.formatted("{}", ",\"requested_at\":\"yesterday\""), "requested_at", "ISO");
    assertField(base.formatted("{}", ",\"metadata\":{\"k\":1}"), "metadata.k", "a string");
    assertField(base.formatted("{\"duration\":5000000000}", ""), "parameters.duration", "integer");
    assertField(
        "{\"request_id\":\"r1\",\"account_id\":\"acme\",\"model\":\"m\",\"input\":{"
            + "\"media\":[{\"type\":\"first_frame\"}]},\"parameters\":{}}",
        "input.media[0].url",
        "required");
    assertField(
        "{\"request_id\":\"r1\",\"model\":\"m\",\"input\":{},\"parameters\":{}}",
        "account_id",
        "required");
    assertField("[1,2]", "", "an object");
  }

  private static void assertField(String text, String field, String reason) {
    assertThatThrownBy(() -> request(text))
        .as(text)
        .isInstanceOfSatisfying(
            InvalidJsonRecord.class, e -> assertThat(e.field()).isEqualTo(field))
        .hasMessageContaining(reason);
  }
}
