package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Price lookup over the price-history store, whose keys are {@link PriceKey#versionKey(Instant)}:
 * the newest version at or before the instant is the first entry of a reverse range scan.
 */
public final class StorePriceLookup implements PriceLookup {
  private final ReadOnlyKeyValueStore<String, Price> history;

  public StorePriceLookup(ReadOnlyKeyValueStore<String, Price> history) {
    this.history = history;
  }

  @Override
  public Optional<Price> inForce(PriceKey key, Instant at) {
    if (at.toEpochMilli() < 0) {
      return Optional.empty();
    }
    try (KeyValueIterator<String, Price> versions =
        history.reverseRange(key.firstVersionKey(), key.versionKey(at))) {
      return versions.hasNext() ? Optional.ofNullable(versions.next().value) : Optional.empty();
    }
  }
}
