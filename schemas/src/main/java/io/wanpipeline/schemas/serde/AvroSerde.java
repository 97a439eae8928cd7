package io.wanpipeline.schemas.serde;

import io.wanpipeline.schemas.registry.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka serde for one generated Avro class in the Confluent wire format. The writer schema is
 * registered under the topic-name strategy subject ({@code <topic>-value} or {@code <topic>-key})
 * on first use; readers resolve the writer schema by id, so records written with older or newer
 * compatible schemas are read into the current class.
 *
 * @param <T> the generated Avro class
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  static {
    AvroReadLimits.install();
  }

  private final SchemaRegistry registry;
  private final Schema readerSchema;
  private final boolean isKey;
  private final SpecificData data;
  private final SpecificDatumWriter<T> writer;
  private final Map<String, Integer> idByTopic = new ConcurrentHashMap<>();
  private final Map<Integer, DatumReader<T>> readerByWriterId = new ConcurrentHashMap<>();

  private AvroSerde(SchemaRegistry registry, Schema schema, boolean isKey) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readerSchema = Objects.requireNonNull(schema, "schema");
    this.isKey = isKey;
    this.data = SpecificData.getForSchema(schema);
    this.writer = new SpecificDatumWriter<>(schema, data);
  }

  /** A value serde for {@code schema}, the generated class's {@code getClassSchema()}. */
  public static <T extends SpecificRecord> AvroSerde<T> forValue(
      SchemaRegistry registry, Schema schema) {
    return new AvroSerde<>(registry, schema, false);
  }

  /** A key serde for {@code schema}. */
  public static <T extends SpecificRecord> AvroSerde<T> forKey(
      SchemaRegistry registry, Schema schema) {
    return new AvroSerde<>(registry, schema, true);
  }

  /** The subject this serde registers under for {@code topic}. */
  public String subject(String topic) {
    return topic + (isKey ? "-key" : "-value");
  }

  /** Frames {@code record} for {@code topic}; null stays null (a tombstone). */
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    int id = idByTopic.computeIfAbsent(topic, t -> registry.register(subject(t), readerSchema));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(ConfluentWireFormat.MAGIC);
    out.write(id >>> 24);
    out.write(id >>> 16);
    out.write(id >>> 8);
    out.write(id);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot write " + readerSchema.getFullName() + " for topic " + topic + ": " + e, e);
    }
    return out.toByteArray();
  }

  /** Reads a framed record; null stays null. */
  public T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    int id = ConfluentWireFormat.schemaIdOf(bytes);
    DatumReader<T> reader = readerByWriterId.computeIfAbsent(id, this::readerFor);
    BinaryDecoder decoder =
        DecoderFactory.get()
            .binaryDecoder(
                bytes,
                ConfluentWireFormat.HEADER_LENGTH,
                bytes.length - ConfluentWireFormat.HEADER_LENGTH,
                null);
    try {
      return reader.read(null, decoder);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot read "
              + readerSchema.getFullName()
              + " (writer schema id "
              + id
              + ") from topic "
              + topic
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private DatumReader<T> readerFor(int writerId) {
    Schema writerSchema = registry.schemaById(writerId);
    return new SpecificDatumReader<>(writerSchema, readerSchema, data);
  }

  @Override
  public Serializer<T> serializer() {
    return this::serialize;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this::deserialize;
  }
}
