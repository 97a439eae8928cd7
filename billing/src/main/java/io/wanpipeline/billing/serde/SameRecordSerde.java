package io.wanpipeline.billing.serde;

import io.wanpipeline.schemas.serde.ConfluentWireFormat;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Confluent-framed serde that encodes a record once when the same instance is written to several
 * topics in a row, as billing writes each charge to its store's changelog, the charges topic and
 * the repartition topic: the Avro body is the same, only the schema id in the 5-byte header is the
 * topic's own (learnt from the first record written to that topic). Each thread remembers its last
 * record, compared by identity, so records must not be changed once written; the generated Avro
 * records billing builds never are.
 *
 * @param <T> the record type
 */
public final class SameRecordSerde<T> implements Serde<T> {
  private final Serde<T> framed;
  private final Map<String, byte[]> headerByTopic = new ConcurrentHashMap<>();
  private final ThreadLocal<Last<T>> last = ThreadLocal.withInitial(Last::new);

  private SameRecordSerde(Serde<T> framed) {
    this.framed = Objects.requireNonNull(framed, "framed");
  }

  /** Wraps {@code framed}, a serde writing the Confluent wire format. */
  public static <T> SameRecordSerde<T> of(Serde<T> framed) {
    return new SameRecordSerde<>(framed);
  }

  /** The bytes of {@code record} for {@code topic}, equal to the wrapped serde's. */
  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return framed.serializer().serialize(topic, null);
    }
    Last<T> previous = last.get();
    byte[] header = headerByTopic.get(topic);
    if (previous.record == record && header != null) {
      byte[] out = previous.bytes.clone();
      System.arraycopy(header, 0, out, 0, ConfluentWireFormat.HEADER_LENGTH);
      return out;
    }
    byte[] bytes = framed.serializer().serialize(topic, record);
    if (bytes == null || bytes.length < ConfluentWireFormat.HEADER_LENGTH) {
      return bytes;
    }
    if (header == null) {
      headerByTopic.putIfAbsent(topic, Arrays.copyOf(bytes, ConfluentWireFormat.HEADER_LENGTH));
    }
    previous.record = record;
    previous.bytes = bytes;
    return bytes;
  }

  @Override
  public Serializer<T> serializer() {
    return this::serialize;
  }

  @Override
  public Deserializer<T> deserializer() {
    return framed.deserializer();
  }

  /** One thread's last record and its bytes. */
  private static final class Last<T> {
    private T record;
    private byte[] bytes;
  }
}
