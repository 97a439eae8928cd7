package io.wanpipeline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerde<TaskStatus> serde =
      AvroSerde.forValue(registry, TaskStatus.getClassSchema());

  private static TaskStatus rejected() {
    return TaskStatus.newBuilder()
        .setRequestId("req-1")
        .setAccountId("acme")
        .setProviderAccount("default")
        .setModel("wan2.2-i2v-flash")
        .setState(TaskState.REJECTED)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
        .setError(
            ErrorInfo.newBuilder()
                .setCode("INVALID_REQUEST")
                .setMessage("parameters.resolution: 480P or 720P")
                .setRetryable(false)
                .setStage(ErrorStage.VALIDATION)
                .setField("parameters.resolution")
                .build())
        .setMetadata(Map.of("batch", "b7"))
        .build();
  }

  @Test
  void writesTheConfluentFrameWithTheRegisteredId() {
    byte[] bytes = serde.serialize("task-status", rejected());

    int id = registry.register("task-status-value", TaskStatus.getClassSchema());
    assertThat(bytes[0]).isZero();
    assertThat(ConfluentWireFormat.schemaIdOf(bytes)).isEqualTo(id);
  }

  @Test
  void roundTripsARecord() {
    TaskStatus status = rejected();

    assertThat(serde.deserialize("task-status", serde.serialize("task-status", status)))
        .isEqualTo(status);
  }

  @Test
  void readsRecordsWrittenWithAnOlderSchemaUsingTheNewDefaults() throws Exception {
    Schema current = TaskStatus.getClassSchema();
    List<Schema.Field> kept =
        current.getFields().stream()
            .filter(f -> !f.name().equals("archive") && !f.name().equals("metadata"))
            .map(f -> new Schema.Field(f, f.schema()))
            .toList();
    Schema older =
        Schema.createRecord(current.getName(), null, current.getNamespace(), false, kept);
    int id = registry.register("task-status-value", older);
    GenericRecord record = new GenericData.Record(older);
    record.put("request_id", "r1");
    record.put("account_id", "acme");
    record.put("provider_account", "default");
    record.put("model", "wan2.6-t2v");
    record.put("state", new GenericData.EnumSymbol(older.getField("state").schema(), "SUBMITTED"));
    record.put("event_time", 1_700_000_000_000L);
    record.put(
        "priority", new GenericData.EnumSymbol(older.getField("priority").schema(), "BATCH"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(older).write(record, encoder);
    encoder.flush();

    TaskStatus read = serde.deserialize("task-status", out.toByteArray());

    assertThat(read.getRequestId()).isEqualTo("r1");
    assertThat(read.getState()).isEqualTo(TaskState.SUBMITTED);
    assertThat(read.getArchive()).as("field missing in the writer schema").isNull();
    assertThat(read.getMetadata()).isEmpty();
  }

  @Test
  void rejectsBytesThatAreNotConfluentFramed() {
    assertThatThrownBy(() -> serde.deserialize("task-status", new byte[] {1, 2, 3, 4, 5, 6}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("magic byte is 1");
    assertThatThrownBy(() -> serde.deserialize("task-status", new byte[] {0, 1}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("2 bytes");
  }

  @Test
  void tombstonesStayNull() {
    assertThat(serde.serialize("t", null)).isNull();
    assertThat(serde.deserialize("t", null)).isNull();
  }

  @Test
  void aRecordDeclaringAHugeStringIsUnreadableNotAnAllocation() throws Exception {
    // a few bytes that declare a request_id of a billion characters (found by fuzzing the intake)
    byte[] valid = serde.serialize("task-status", rejected());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(valid, 0, ConfluentWireFormat.HEADER_LENGTH);
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    encoder.writeLong(1_000_000_000L);
    encoder.writeFixed(new byte[] {'r', 'e', 'q'});
    encoder.flush();

    assertThatThrownBy(() -> serde.deserialize("task-status", out.toByteArray()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("task-status");
    assertThat(Integer.getInteger("org.apache.avro.limits.string.maxLength"))
        .isEqualTo(AvroReadLimits.MAX_LENGTH);
  }
}
