package io.wanpipeline.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * A registry held in this process's memory, with the same id semantics as the Confluent registry
 * (global ids, deduplicated by schema text). For Kafka Streams' TopologyTestDriver tests and
 * single-process tools, where no registry server runs; services use {@link SchemaRegistryClient}.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
  private final Map<String, Integer> ids = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger(1);

  @Override
  public int register(String subject, Schema schema) {
    return ids.computeIfAbsent(
        schema.toString(),
        text -> {
          int id = next.getAndIncrement();
          schemas.put(id, schema);
          return id;
        });
  }

  @Override
  public Schema schemaById(int id) {
    Schema schema = schemas.get(id);
    if (schema == null) {
      throw new SchemaRegistryException("Schema " + id + " not found", 40403, null);
    }
    return schema;
  }
}
