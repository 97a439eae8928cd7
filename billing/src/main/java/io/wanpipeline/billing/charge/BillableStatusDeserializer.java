package io.wanpipeline.billing.charge;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.ConfluentWireFormat;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads task-status values for billing, which only prices SUCCEEDED and LATE_SUCCEEDED events: it
 * reads the {@code state} field first (skipping the fields the writer schema puts before it,
 * without building strings) and decodes the whole record only when the state is billable; any other
 * state reads as null, which the charge step ignores as it ignores a tombstone. Five status events
 * in six are not billable, and a full Avro decode was the largest cost of reading them.
 *
 * <p>A writer schema without a {@code state} enum, bytes the peek cannot read, or a registry that
 * does not answer all fall back to the full decode, whose errors (and registry lookups) are the
 * topic serde's, so the peek adds no way for an event to be skipped.
 */
public final class BillableStatusDeserializer implements Deserializer<TaskStatus> {
  private final Deserializer<TaskStatus> full;
  private final SchemaRegistry registry;
  private final Map<Integer, StatePeek> peekByWriterId = new ConcurrentHashMap<>();

  /**
   * @param full the task-status topic's own deserializer, used for billable events
   * @param registry the registry the writer schemas are read from, by id
   */
  public BillableStatusDeserializer(Deserializer<TaskStatus> full, SchemaRegistry registry) {
    this.full = Objects.requireNonNull(full, "full");
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public TaskStatus deserialize(String topic, byte[] bytes) {
    if (bytes == null || bytes.length < ConfluentWireFormat.HEADER_LENGTH) {
      return full.deserialize(topic, bytes);
    }
    int writerId;
    try {
      writerId = ConfluentWireFormat.schemaIdOf(bytes);
    } catch (RuntimeException e) {
      return full.deserialize(topic, bytes);
    }
    StatePeek peek = peekByWriterId.get(writerId);
    if (peek == null) {
      try {
        peek = StatePeek.of(registry, writerId);
      } catch (RuntimeException e) {
        // The registry did not answer: decode in full, as without the peek; ask again next time.
        return full.deserialize(topic, bytes);
      }
      peekByWriterId.putIfAbsent(writerId, peek);
    }
    return peek.billable(bytes) ? full.deserialize(topic, bytes) : null;
  }

  /** How to find the state in the bytes of one writer schema. */
  private record StatePeek(List<Schema> before, boolean[] billableByIndex) {
    /** A peek that always answers billable: the full decode decides. */
    private static final StatePeek FULL = new StatePeek(null, null);

    static StatePeek of(SchemaRegistry registry, int writerId) {
      Schema writer = registry.schemaById(writerId);
      if (writer.getType() != Schema.Type.RECORD) {
        return FULL;
      }
      Schema.Field state = writer.getField("state");
      if (state == null || state.schema().getType() != Schema.Type.ENUM) {
        return FULL;
      }
      List<Schema> before =
          writer.getFields().subList(0, state.pos()).stream().map(Schema.Field::schema).toList();
      List<String> symbols = state.schema().getEnumSymbols();
      boolean[] billable = new boolean[symbols.size()];
      for (int i = 0; i < billable.length; i++) {
        billable[i] = billableSymbol(symbols.get(i));
      }
      return new StatePeek(before, billable);
    }

    /**
     * Whether the writer's symbol is billable once read into the current enum; a symbol the current
     * enum lacks reads as its default, UNRECOGNIZED, which is not.
     */
    private static boolean billableSymbol(String symbol) {
      for (TaskState s : TaskState.values()) {
        if (s.name().equals(symbol)) {
          return ChargeCalculator.billable(s);
        }
      }
      return false;
    }

    boolean billable(byte[] bytes) {
      if (before == null) {
        return true;
      }
      BinaryDecoder decoder =
          DecoderFactory.get()
              .binaryDecoder(
                  bytes,
                  ConfluentWireFormat.HEADER_LENGTH,
                  bytes.length - ConfluentWireFormat.HEADER_LENGTH,
                  null);
      try {
        for (Schema field : before) {
          GenericDatumReader.skip(field, decoder);
        }
        int index = decoder.readEnum();
        return index < 0 || index >= billableByIndex.length || billableByIndex[index];
      } catch (IOException | RuntimeException e) {
        // Unreadable here: the full decode reports it (or reads it, if the peek was wrong).
        return true;
      }
    }
  }
}
