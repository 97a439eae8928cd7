package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The same answers as {@link StorePriceLookup}, from a copy of each price's versions read once: the
 * newest version key at or before the instant. The copy is dropped whenever the store has changed
 * since it was read ({@link PriceHistoryChanges}), so an update is used from the next lookup on.
 * Not thread-safe: one per stream task.
 */
public final class CachedPriceLookup implements PriceLookup {
  private final ReadOnlyKeyValueStore<String, Price> history;
  private final PriceHistoryChanges changes;
  private final Map<PriceKey, TreeMap<String, Price>> versionsByKey = new HashMap<>();
  private long readAt = -1;

  public CachedPriceLookup(
      ReadOnlyKeyValueStore<String, Price> history, PriceHistoryChanges changes) {
    this.history = history;
    this.changes = changes;
  }

  @Override
  public Optional<Price> inForce(PriceKey key, Instant at) {
    if (at.toEpochMilli() < 0) {
      return Optional.empty();
    }
    long now = changes.count();
    if (now != readAt) {
      // Counted before reading: a change made during the read drops the copy next time.
      versionsByKey.clear();
      readAt = now;
    }
    Map.Entry<String, Price> version =
        versionsByKey.computeIfAbsent(key, this::read).floorEntry(key.versionKey(at));
    return version == null ? Optional.empty() : Optional.ofNullable(version.getValue());
  }

  private TreeMap<String, Price> read(PriceKey key) {
    TreeMap<String, Price> versions = new TreeMap<>();
    try (KeyValueIterator<String, Price> all =
        history.range(key.firstVersionKey(), key.lastVersionKey())) {
      all.forEachRemaining(kv -> versions.put(kv.key, kv.value));
    }
    return versions;
  }
}
