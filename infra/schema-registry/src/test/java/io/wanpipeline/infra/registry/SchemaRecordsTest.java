package io.wanpipeline.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.registry.RegistryState.SchemaVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class SchemaRecordsTest {
  private static final String TOPIC = "_schemas";
  private static final String A = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[]}";
  private static final String B = "{\"type\":\"record\",\"name\":\"B\",\"fields\":[]}";

  @Test
  void replayingTheSameRecordsBuildsTheSameState() {
    List<ProducerRecord<byte[], byte[]>> log =
        List.of(
            SchemaRecords.schema(TOPIC, new SchemaVersion("a-value", 1, 1, A, false)),
            SchemaRecords.schema(TOPIC, new SchemaVersion("b-value", 1, 2, B, false)),
            SchemaRecords.schema(TOPIC, new SchemaVersion("c-value", 1, 1, A, false)),
            SchemaRecords.config(TOPIC, "a-value", CompatibilityLevel.FULL),
            SchemaRecords.config(TOPIC, null, CompatibilityLevel.NONE),
            SchemaRecords.schema(TOPIC, new SchemaVersion("b-value", 1, 2, B, true)));

    RegistryState first = replay(log);
    RegistryState second = replay(log);

    for (RegistryState state : List.of(first, second)) {
      assertThat(state.subjects(false)).containsExactly("a-value", "c-value");
      assertThat(state.subjects(true)).containsExactly("a-value", "b-value", "c-value");
      assertThat(state.idOf(A)).hasValue(1);
      assertThat(state.schemaById(2)).hasValue(B);
      assertThat(state.maxId()).isEqualTo(2);
      assertThat(state.usesOf(1))
          .extracting(SchemaVersion::subject)
          .containsExactly("a-value", "c-value");
      assertThat(state.effectiveLevel("a-value")).isEqualTo(CompatibilityLevel.FULL);
      assertThat(state.effectiveLevel("c-value")).isEqualTo(CompatibilityLevel.NONE);
      assertThat(state.maxVersion("b-value")).as("deleted versions still count").isEqualTo(1);
    }
  }

  @Test
  void usesConfluentsKeyLayoutSoCompactionKeepsOneRecordPerSubjectVersion() {
    ProducerRecord<byte[], byte[]> first =
        SchemaRecords.schema(TOPIC, new SchemaVersion("a-value", 3, 7, A, false));
    ProducerRecord<byte[], byte[]> deleted =
        SchemaRecords.schema(TOPIC, new SchemaVersion("a-value", 3, 7, A, true));

    assertThat(new String(first.key(), StandardCharsets.UTF_8))
        .isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"a-value\",\"version\":3,\"magic\":1}");
    assertThat(deleted.key()).isEqualTo(first.key());
    assertThat(
            new String(
                SchemaRecords.config(TOPIC, null, CompatibilityLevel.FULL).key(),
                StandardCharsets.UTF_8))
        .isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}");
  }

  @Test
  void tombstonesRemoveVersionsAndSubjectLevels() {
    RegistryState state =
        replay(
            List.of(
                SchemaRecords.schema(TOPIC, new SchemaVersion("a-value", 1, 1, A, false)),
                SchemaRecords.config(TOPIC, "a-value", CompatibilityLevel.FULL),
                new ProducerRecord<>(
                    TOPIC,
                    SchemaRecords.schema(TOPIC, new SchemaVersion("a-value", 1, 1, A, false)).key(),
                    null),
                SchemaRecords.config(TOPIC, "a-value", null)));

    assertThat(state.known("a-value")).isFalse();
    assertThat(state.subjectLevel("a-value")).isEmpty();
    assertThat(state.schemaById(1)).as("ids are never forgotten").hasValue(A);
  }

  @Test
  void ignoresRecordKindsItDoesNotUse() {
    RegistryState state = new RegistryState();
    SchemaRecords.apply(
        state, "{\"keytype\":\"NOOP\",\"magic\":0}".getBytes(StandardCharsets.UTF_8), null);
    assertThat(state.subjects(true)).isEmpty();
  }

  private static RegistryState replay(List<ProducerRecord<byte[], byte[]>> log) {
    RegistryState state = new RegistryState();
    log.forEach(record -> SchemaRecords.apply(state, record.key(), record.value()));
    return state;
  }
}
