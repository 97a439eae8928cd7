package io.wanpipeline.billing.price;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.Price;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

class CachedPriceLookupTest {
  private static final Instant MARCH = Instant.parse("2026-03-01T00:00:00Z");
  private static final Instant APRIL = Instant.parse("2026-04-01T00:00:00Z");
  private static final PriceKey KEY = new PriceKey("*", "wan2.6-t2v", "720P", false);
  private static final PriceKey OTHER = new PriceKey("*", "wan2.6-t2v", "1080P", false);

  private final TreeMap<String, Price> store = new TreeMap<>();
  private final ReadOnlyKeyValueStore<String, Price> history = new MapStore(store);
  private final PriceHistoryChanges changes = new PriceHistoryChanges();
  private final CachedPriceLookup cached = new CachedPriceLookup(history, changes);
  private final StorePriceLookup direct = new StorePriceLookup(history);

  @Test
  void answersAsTheStoreLookupDoesAtEveryInstant() {
    put(KEY, 100_000, Instant.EPOCH);
    put(KEY, 120_000, APRIL);
    put(OTHER, 300_000, MARCH);
    for (Instant at :
        List.of(
            Instant.EPOCH,
            MARCH.minusMillis(1),
            MARCH,
            APRIL.minusMillis(1),
            APRIL,
            APRIL.plusSeconds(86_400 * 400L))) {
      for (PriceKey key : List.of(KEY, OTHER, new PriceKey("acme", "wan2.6-t2v", "720P", false))) {
        assertThat(cached.inForce(key, at))
            .as(key + " at " + at)
            .isEqualTo(direct.inForce(key, at));
      }
    }
    assertThat(cached.inForce(KEY, Instant.ofEpochMilli(-1))).isEmpty();
  }

  @Test
  void usesAPriceWrittenAfterItsCopyOnceTheChangeIsCounted() {
    put(KEY, 100_000, Instant.EPOCH);
    assertThat(cached.inForce(KEY, APRIL).orElseThrow().getMicrosPerSecond()).isEqualTo(100_000);

    put(KEY, 120_000, APRIL);
    changes.changed();

    assertThat(cached.inForce(KEY, APRIL).orElseThrow().getMicrosPerSecond()).isEqualTo(120_000);
    assertThat(cached.inForce(KEY, MARCH).orElseThrow().getMicrosPerSecond()).isEqualTo(100_000);
  }

  private void put(PriceKey key, long micros, Instant from) {
    store.put(
        key.versionKey(from),
        Price.newBuilder()
            .setProviderAccount(key.providerAccount())
            .setModel(key.model())
            .setTier(key.tier())
            .setAudio(key.audio())
            .setCurrency("CNY")
            .setMicrosPerSecond(micros)
            .setEffectiveFrom(from)
            .setSource("test")
            .build());
  }

  /** A read-only store over a sorted map. */
  private record MapStore(NavigableMap<String, Price> map)
      implements ReadOnlyKeyValueStore<String, Price> {
    @Override
    public Price get(String key) {
      return map.get(key);
    }

    @Override
    public KeyValueIterator<String, Price> range(String from, String to) {
      return iterator(map.subMap(from, true, to, true));
    }

    @Override
    public KeyValueIterator<String, Price> reverseRange(String from, String to) {
      return iterator(map.subMap(from, true, to, true).descendingMap());
    }

    @Override
    public KeyValueIterator<String, Price> all() {
      return iterator(map);
    }

    @Override
    public long approximateNumEntries() {
      return map.size();
    }

    private static KeyValueIterator<String, Price> iterator(NavigableMap<String, Price> m) {
      List<KeyValue<String, Price>> entries = new ArrayList<>();
      m.forEach((k, v) -> entries.add(KeyValue.pair(k, v)));
      Iterator<KeyValue<String, Price>> it = entries.iterator();
      return new KeyValueIterator<>() {
        private int index;

        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public KeyValue<String, Price> next() {
          index++;
          return it.next();
        }

        @Override
        public String peekNextKey() {
          return index < entries.size() ? entries.get(index).key : null;
        }

        @Override
        public void close() {}
      };
    }
  }
}
