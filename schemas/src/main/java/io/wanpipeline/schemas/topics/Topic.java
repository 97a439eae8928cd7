package io.wanpipeline.schemas.topics;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A typed topic: its name and the serdes of its keys and values. Producers, consumers, topologies
 * and tests take the descriptor, never a bare string.
 *
 * @param name the topic name
 * @param keySerde serde of keys
 * @param valueSerde serde of values
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
  public Topic {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(keySerde, "keySerde");
    Objects.requireNonNull(valueSerde, "valueSerde");
  }

  /** Serialises a key for this topic. */
  public byte[] keyBytes(K key) {
    return keySerde.serializer().serialize(name, key);
  }

  /** Serialises a value for this topic. */
  public byte[] valueBytes(V value) {
    return valueSerde.serializer().serialize(name, value);
  }

  /** Reads a value of this topic. */
  public V value(byte[] bytes) {
    return valueSerde.deserializer().deserialize(name, bytes);
  }

  /** Reads a key of this topic. */
  public K key(byte[] bytes) {
    return keySerde.deserializer().deserialize(name, bytes);
  }
}
