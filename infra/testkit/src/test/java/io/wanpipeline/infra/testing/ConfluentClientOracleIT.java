package io.wanpipeline.infra.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.serde.ConfluentWireFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.avro.AvroSchema;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.CachedSchemaRegistryClient;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.SchemaMetadata;
import org.apache.flink.avro.registry.confluent.shaded.io.confluent.kafka.schemaregistry.client.rest.exceptions.RestClientException;
import org.apache.flink.formats.avro.registry.confluent.ConfluentSchemaRegistryCoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Confluent's own registry client (7.5.3, relocated inside Flink's confluent-registry format) as an
 * independent judge that the local registry speaks Confluent's REST API.
 */
@ExtendWith(KafkaBroker.class)
class ConfluentClientOracleIT {
  private static final String INCOMPATIBLE =
      "{\"type\":\"record\",\"name\":\"TaskStatus\",\"namespace\":\"io.wanpipeline.events\","
          + "\"fields\":[{\"name\":\"request_id\",\"type\":\"long\"}]}";

  @Test
  void confluentsClientRegistersAndFetchesOurSchemas(KafkaBroker.Info kafka) throws Exception {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      CachedSchemaRegistryClient confluent = new CachedSchemaRegistryClient(registry.url(), 100);
      SchemaRegistryClient ours = SchemaRegistryClient.of(registry.url());
      String subject = "task-status-value";
      AvroSchema taskStatus = new AvroSchema(TaskStatus.getClassSchema().toString());

      int id = confluent.register(subject, taskStatus);
      int chargeId =
          confluent.register("charges-value", new AvroSchema(Charge.getClassSchema().toString()));

      assertThat(ours.register(subject, TaskStatus.getClassSchema()))
          .as("our client and Confluent's agree on the id")
          .isEqualTo(id);
      assertThat(chargeId).isNotEqualTo(id);
      assertThat(parse(confluent.getSchemaById(id).canonicalString()))
          .isEqualTo(TaskStatus.getClassSchema());
      assertThat(confluent.getId(subject, taskStatus)).isEqualTo(id);
      assertThat(confluent.getVersion(subject, taskStatus)).isEqualTo(1);
      SchemaMetadata latest = confluent.getLatestSchemaMetadata(subject);
      assertThat(latest.getId()).isEqualTo(id);
      assertThat(latest.getVersion()).isEqualTo(1);
      assertThat(parse(latest.getSchema())).isEqualTo(TaskStatus.getClassSchema());
      assertThat(confluent.getAllVersions(subject)).containsExactly(1);
      assertThat(confluent.getAllSubjects()).containsExactly("charges-value", subject);
      assertThat(confluent.getAllSubjectsById(id)).containsExactly(subject);

      assertThat(confluent.testCompatibility(subject, taskStatus)).isTrue();
      assertThat(confluent.testCompatibility(subject, new AvroSchema(INCOMPATIBLE))).isFalse();
      assertThatThrownBy(() -> confluent.register(subject, new AvroSchema(INCOMPATIBLE)))
          .isInstanceOfSatisfying(
              RestClientException.class, e -> assertThat(e.getStatus()).isEqualTo(409));

      assertThat(confluent.updateCompatibility(subject, "NONE")).isEqualTo("NONE");
      assertThat(confluent.getCompatibility(subject)).isEqualTo("NONE");
      int replaced = confluent.register(subject, new AvroSchema(INCOMPATIBLE));
      assertThat(confluent.getAllVersions(subject)).containsExactly(1, 2);
      assertThat(ours.latest(subject).id()).isEqualTo(replaced);

      assertThatThrownBy(
              () -> new CachedSchemaRegistryClient(registry.url(), 10).getSchemaById(9999))
          .isInstanceOfSatisfying(
              RestClientException.class, e -> assertThat(e.getErrorCode()).isEqualTo(40403));
      assertThat(confluent.deleteSubject(subject, false)).containsExactly(1, 2);
      assertThat(confluent.getAllSubjects()).containsExactly("charges-value");
    }
  }

  @Test
  void confluentsCoderReadsTheSchemaIdOfOurSerdesBytes(KafkaBroker.Info kafka) throws Exception {
    try (LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0)) {
      SchemaRegistryClient ours = SchemaRegistryClient.of(registry.url());
      AvroSerde<TaskStatus> serde = AvroSerde.forValue(ours, TaskStatus.getClassSchema());
      TaskStatus status =
          TaskStatuses.of("oracle-1", TaskState.SUBMITTED)
              .setTaskId("task-1")
              .setEventTime(Instant.ofEpochMilli(1_763_700_000_000L))
              .build();
      byte[] bytes = serde.serialize("task-status", status);
      CachedSchemaRegistryClient confluent = new CachedSchemaRegistryClient(registry.url(), 100);
      ConfluentSchemaRegistryCoder coder = new ConfluentSchemaRegistryCoder(confluent);

      ByteArrayInputStream in = new ByteArrayInputStream(bytes);
      Schema writer = parse(coder.readSchema(in).toString());
      GenericRecord decoded =
          new GenericDatumReader<GenericRecord>(writer)
              .read(null, DecoderFactory.get().binaryDecoder(in, null));

      assertThat(writer).isEqualTo(TaskStatus.getClassSchema());
      assertThat(confluent.getAllSubjectsById(ConfluentWireFormat.schemaIdOf(bytes)))
          .as("our serde registered under the topic-name strategy subject")
          .containsExactly("task-status-value");
      assertThat(decoded.get("request_id")).hasToString("oracle-1");
      assertThat(decoded.get("task_id")).hasToString("task-1");
      ByteArrayOutputStream header = new ByteArrayOutputStream();
      new ConfluentSchemaRegistryCoder("task-status-value", confluent)
          .writeSchema(
              new org.apache.flink.avro.shaded.org.apache.avro.Schema.Parser()
                  .parse(TaskStatus.getClassSchema().toString()),
              header);
      assertThat(Arrays.copyOf(bytes, ConfluentWireFormat.HEADER_LENGTH))
          .as("Confluent's own framing of the same schema")
          .isEqualTo(header.toByteArray());
    }
  }

  private static Schema parse(String text) {
    return new Schema.Parser().parse(text);
  }
}
