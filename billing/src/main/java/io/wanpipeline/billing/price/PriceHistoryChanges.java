package io.wanpipeline.billing.price;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the changes made to the price-history store, so that a {@link CachedPriceLookup} can tell
 * that what it read is stale. The store's updater counts after each write; one instance is shared
 * by the updater and the lookups of one topology.
 */
public final class PriceHistoryChanges {
  private final AtomicLong count = new AtomicLong();

  /** Counts a write to the store, made just before. */
  public void changed() {
    count.incrementAndGet();
  }

  /** The number of writes so far. */
  public long count() {
    return count.get();
  }
}
