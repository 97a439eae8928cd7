package io.wanpipeline.billing.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.Charge;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.serde.ConfluentWireFormat;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class SameRecordSerdeTest {
  /** A registry giving each subject its own id, as a real one may after schema changes. */
  private final SchemaRegistry registry =
      new SchemaRegistry() {
        private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        private final Map<String, Integer> ids = new ConcurrentHashMap<>();
        private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
        private final AtomicInteger next = new AtomicInteger(100);

        @Override
        public int register(String subject, Schema schema) {
          schemas.register(subject, schema);
          return ids.computeIfAbsent(
              subject,
              s -> {
                int id = next.getAndIncrement();
                byId.put(id, schema);
                return id;
              });
        }

        @Override
        public Schema schemaById(int id) {
          return byId.get(id);
        }
      };

  private final AvroSerde<Charge> plain = AvroSerde.forValue(registry, Charge.getClassSchema());
  private final SameRecordSerde<Charge> serde = SameRecordSerde.of(plain);

  @Test
  void writesWhatTheWrappedSerdeWritesForEveryTopicAndRecord() {
    Charge first = charge("r1", 500_000);
    Charge second = charge("r2", 700_000);
    for (Charge c : new Charge[] {first, first, second, first}) {
      for (String topic : new String[] {"changelog", "charges", "repartition"}) {
        byte[] bytes = serde.serialize(topic, c);
        assertThat(bytes).as(topic).isEqualTo(plain.serialize(topic, c));
        assertThat(serde.deserializer().deserialize(topic, bytes)).isEqualTo(c);
      }
    }
    assertThat(ConfluentWireFormat.schemaIdOf(serde.serialize("charges", first)))
        .isNotEqualTo(ConfluentWireFormat.schemaIdOf(serde.serialize("repartition", first)));
    assertThat(serde.serialize("charges", null)).isNull();
  }

  @Test
  void anEqualButOtherRecordIsEncodedAgain() {
    Charge one = charge("r1", 500_000);
    Charge copy = Charge.newBuilder(one).build();
    byte[] a = serde.serialize("charges", one);
    byte[] b = serde.serialize("charges", copy);
    assertThat(b).isEqualTo(a).isNotSameAs(a);
  }

  private static Charge charge(String requestId, long amount) {
    return Charge.newBuilder()
        .setRequestId(requestId)
        .setAccountId("acme")
        .setProviderAccount("cn-main")
        .setModel("wan2.6-t2v")
        .setTaskId("task-" + requestId)
        .setTier("720P")
        .setAudio(false)
        .setBillableMillis(5_000)
        .setUnitPriceMicros(amount / 5)
        .setAmountMicros(amount)
        .setCurrency("CNY")
        .setPriceEffectiveFrom(Instant.EPOCH)
        .setCompletedAt(Instant.parse("2026-03-01T10:00:00Z"))
        .setDay("2026-03-01")
        .build();
  }
}
