package io.wanpipeline.schemas.registry;

import org.apache.avro.Schema;

/** What the serdes need of a schema registry: register a schema, and find one by id. */
public interface SchemaRegistry {

  /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
  int register(String subject, Schema schema);

  /** The schema with global id {@code id}. */
  Schema schemaById(int id);
}
