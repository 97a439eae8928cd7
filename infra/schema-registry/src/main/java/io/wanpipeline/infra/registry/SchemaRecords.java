package io.wanpipeline.infra.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.infra.registry.RegistryState.SchemaVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The records of the schema topic, in the layout of Confluent's {@code _schemas} topic: JSON keys
 * {@code {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}} and {@code
 * {"keytype":"CONFIG","subject":..,"magic":0}}, so compaction keeps the last record of each subject
 * version and of each configuration.
 */
final class SchemaRecords {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SchemaRecords() {}

  /** The record that stores {@code version}. */
  static ProducerRecord<byte[], byte[]> schema(String topic, SchemaVersion version) {
    ObjectNode key = JSON.createObjectNode();
    key.put("keytype", "SCHEMA");
    key.put("subject", version.subject());
    key.put("version", version.version());
    key.put("magic", 1);
    ObjectNode value = JSON.createObjectNode();
    value.put("subject", version.subject());
    value.put("version", version.version());
    value.put("id", version.id());
    value.put("schema", version.schema());
    value.put("deleted", version.deleted());
    return new ProducerRecord<>(topic, 0, bytes(key), bytes(value));
  }

  /**
   * The record that sets the level of {@code subject} (null: the global level); a null level
   * removes it.
   */
  static ProducerRecord<byte[], byte[]> config(
      String topic, String subject, CompatibilityLevel level) {
    ObjectNode key = JSON.createObjectNode();
    key.put("keytype", "CONFIG");
    key.put("subject", subject);
    key.put("magic", 0);
    ObjectNode value = null;
    if (level != null) {
      value = JSON.createObjectNode();
      value.put("compatibilityLevel", level.name());
    }
    return new ProducerRecord<>(topic, 0, bytes(key), value == null ? null : bytes(value));
  }

  /**
   * Applies one record of the topic to {@code state}; records of other kinds (Confluent's {@code
   * NOOP}, {@code MODE}, ...) are ignored.
   *
   * @throws IllegalArgumentException if the record is not valid JSON of a known kind
   */
  static void apply(RegistryState state, byte[] keyBytes, byte[] valueBytes) {
    JsonNode key = read(keyBytes);
    String subject = key.path("subject").isTextual() ? key.get("subject").asText() : null;
    switch (key.path("keytype").asText()) {
      case "SCHEMA" -> {
        if (valueBytes == null) {
          state.remove(subject, key.path("version").asInt());
          return;
        }
        JsonNode value = read(valueBytes);
        String schemaType = value.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(schemaType)) {
          throw new IllegalArgumentException("unsupported schemaType " + schemaType);
        }
        state.put(
            new SchemaVersion(
                value.path("subject").asText(subject),
                value.path("version").asInt(),
                value.path("id").asInt(),
                value.path("schema").asText(),
                value.path("deleted").asBoolean(false)));
      }
      case "CONFIG" -> {
        if (valueBytes == null) {
          state.clearLevel(subject);
        } else {
          state.setLevel(
              subject,
              CompatibilityLevel.parse(read(valueBytes).path("compatibilityLevel").asText()));
        }
      }
      default -> {
        // Kinds this registry neither writes nor needs.
      }
    }
  }

  private static JsonNode read(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("record without a key");
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("record is not JSON: " + e.getMessage(), e);
    }
  }

  private static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
