package io.wanpipeline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.VideoRequest;
import java.io.IOException;
import java.io.InputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * The vace and animate input fields (issue 12) are a compatible change of the request contract:
 * upstream producers on the previous schema keep working against new services, and services on the
 * previous schema can still read requests of upgraded producers (new fields are skipped), which is
 * what the registry's default BACKWARD (and a FULL) compatibility level asks.
 */
class VideoRequestCompatibilityTest {

  @Test
  void theCurrentRequestSchemaReadsRequestsWrittenWithThePreviousOne() throws IOException {
    assertThat(
            SchemaCompatibility.checkReaderWriterCompatibility(
                    VideoRequest.getClassSchema(), before())
                .getType())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void thePreviousRequestSchemaReadsRequestsWrittenWithTheCurrentOne() throws IOException {
    assertThat(
            SchemaCompatibility.checkReaderWriterCompatibility(
                    before(), VideoRequest.getClassSchema())
                .getType())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  private static Schema before() throws IOException {
    try (InputStream in =
        VideoRequestCompatibilityTest.class.getResourceAsStream(
            "/io/wanpipeline/schemas/compat/VideoRequest-before-vace.avsc")) {
      assertThat(in).as("the previous schema is a test resource").isNotNull();
      return new Schema.Parser().parse(in);
    }
  }
}
