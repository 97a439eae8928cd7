package io.wanpipeline.billing.charge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.serde.ConfluentWireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
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

class BillableStatusDeserializerTest {
  private static final String TOPIC = "t-task-status";

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final AvroSerde<TaskStatus> serde =
      AvroSerde.forValue(registry, TaskStatus.getClassSchema());
  private final BillableStatusDeserializer reader =
      new BillableStatusDeserializer(serde.deserializer(), registry);

  @Test
  void decodesBillableStatesInFullAndReadsEveryOtherStateAsNull() {
    for (TaskState state : TaskState.values()) {
      TaskStatus status = status(state);
      TaskStatus read = reader.deserialize(TOPIC, serde.serialize(TOPIC, status));
      if (state == TaskState.SUCCEEDED || state == TaskState.LATE_SUCCEEDED) {
        assertThat(read).as(state.name()).isEqualTo(status);
      } else {
        assertThat(read).as(state.name()).isNull();
      }
    }
    assertThat(reader.deserialize(TOPIC, null)).isNull();
  }

  @Test
  void findsTheStateInAnOtherWriterSchemaWithFieldsBeforeIt() throws IOException {
    Schema writer = writerWithLeadingFieldAndSymbol("PAUSED");
    int id = registry.register("other-writer", writer);

    TaskStatus succeeded = reader.deserialize(TOPIC, framed(id, writer, "SUCCEEDED"));
    assertThat(succeeded).isNotNull();
    assertThat(succeeded.getState()).isEqualTo(TaskState.SUCCEEDED);
    assertThat(succeeded.getRequestId()).isEqualTo("r1");
    assertThat(reader.deserialize(TOPIC, framed(id, writer, "RUNNING"))).isNull();
    assertThat(reader.deserialize(TOPIC, framed(id, writer, "PAUSED")))
        .as("a state this reader does not know reads as UNRECOGNIZED, not billable")
        .isNull();
  }

  @Test
  void decodesInFullWhenItsRegistryDoesNotAnswer() {
    io.wanpipeline.schemas.registry.SchemaRegistry down =
        new io.wanpipeline.schemas.registry.SchemaRegistry() {
          @Override
          public int register(String subject, Schema schema) {
            throw new io.wanpipeline.schemas.registry.SchemaRegistryException("down", 0, null);
          }

          @Override
          public Schema schemaById(int id) {
            throw new io.wanpipeline.schemas.registry.SchemaRegistryException("down", 0, null);
          }
        };
    BillableStatusDeserializer withoutRegistry =
        new BillableStatusDeserializer(serde.deserializer(), down);
    TaskStatus running = status(TaskState.RUNNING);

    assertThat(withoutRegistry.deserialize(TOPIC, serde.serialize(TOPIC, running)))
        .isEqualTo(running);
  }

  @Test
  void leavesUnreadableBytesToTheFullDecoderWhichFails() {
    byte[] bytes = serde.serialize(TOPIC, status(TaskState.SUCCEEDED));
    byte[] truncated = java.util.Arrays.copyOf(bytes, ConfluentWireFormat.HEADER_LENGTH + 2);

    assertThatThrownBy(() -> reader.deserialize(TOPIC, truncated))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> reader.deserialize(TOPIC, new byte[] {1, 2}))
        .isInstanceOf(SerializationException.class);
  }

  private static TaskStatus status(TaskState state) {
    return TaskStatuses.of("r1", state)
        .setProviderAccount("cn-main")
        .setApiKeyRef("cn-main#0")
        .setModel("wan2.6-t2v")
        .setEventTime(Instant.parse("2026-03-01T12:00:00Z"))
        .setMetadata(Map.of("k", "v"))
        .build();
  }

  /** TaskStatus's schema with a string field first and one more state symbol at the end. */
  private static Schema writerWithLeadingFieldAndSymbol(String extraSymbol) {
    Schema current = TaskStatus.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    fields.add(new Schema.Field("shard", Schema.create(Schema.Type.STRING), "extra", null));
    for (Schema.Field f : current.getFields()) {
      Schema schema = f.schema();
      if (f.name().equals("state")) {
        List<String> symbols = new ArrayList<>(schema.getEnumSymbols());
        symbols.add(extraSymbol);
        schema =
            Schema.createEnum(
                schema.getName(), schema.getDoc(), schema.getNamespace(), symbols, "UNRECOGNIZED");
      }
      fields.add(new Schema.Field(f.name(), schema, f.doc(), f.defaultVal()));
    }
    return Schema.createRecord(
        current.getName(), current.getDoc(), current.getNamespace(), false, fields);
  }

  private static byte[] framed(int id, Schema writer, String state) throws IOException {
    GenericRecord r = new GenericData.Record(writer);
    r.put("shard", "s-7");
    r.put("request_id", "r1");
    r.put("account_id", "acme");
    r.put("provider_account", "cn-main");
    r.put("api_key_ref", null);
    r.put("model", "wan2.6-t2v");
    r.put("state", new GenericData.EnumSymbol(writer.getField("state").schema(), state));
    r.put("event_time", 1_772_366_400_000L);
    r.put("priority", new GenericData.EnumSymbol(writer.getField("priority").schema(), "LIVE"));
    r.put("metadata", Map.of());
    for (Schema.Field f : writer.getFields()) {
      if (r.get(f.pos()) == null && f.hasDefaultValue()) {
        r.put(f.pos(), GenericData.get().getDefaultValue(f));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(id >>> 24);
    out.write(id >>> 16);
    out.write(id >>> 8);
    out.write(id);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(writer).write(r, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
