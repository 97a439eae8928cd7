package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import java.time.Instant;
import java.util.Optional;

/** Finds the version of a price that is in force at an instant. */
@FunctionalInterface
public interface PriceLookup {

  /**
   * The version of {@code key} with the latest {@code effective_from} at or before {@code at}, or
   * empty when the key has no version in force then.
   */
  Optional<Price> inForce(PriceKey key, Instant at);
}
