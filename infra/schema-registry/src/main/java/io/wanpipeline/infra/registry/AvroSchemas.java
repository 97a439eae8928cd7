package io.wanpipeline.infra.registry;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

/** Parses Avro schema text into the canonical form that ids are deduplicated on. */
final class AvroSchemas {
  private AvroSchemas() {}

  /** A parsed schema and its canonical text ({@link Schema#toString()} of the parsed schema). */
  record Parsed(Schema schema, String canonical) {}

  /**
   * Parses {@code text}.
   *
   * @throws RegistryError 42201 if it is not a valid Avro schema
   */
  static Parsed parse(String text) {
    if (text == null || text.isBlank()) {
      throw RegistryError.invalidSchema("the schema is empty");
    }
    try {
      Schema schema = new Schema.Parser().parse(text);
      return new Parsed(schema, schema.toString());
    } catch (AvroRuntimeException | IllegalArgumentException e) {
      throw RegistryError.invalidSchema(e.getMessage());
    }
  }
}
