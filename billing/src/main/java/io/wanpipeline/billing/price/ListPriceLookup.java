package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Price lookup over a list of price versions, such as a price file; immutable. */
public final class ListPriceLookup implements PriceLookup {
  private final Map<PriceKey, List<Price>> versions;

  public ListPriceLookup(List<Price> prices) {
    this.versions =
        prices.stream()
            .collect(
                Collectors.groupingBy(
                    PriceKey::of,
                    Collectors.collectingAndThen(
                        Collectors.toList(),
                        l ->
                            l.stream()
                                .sorted(Comparator.comparing(Price::getEffectiveFrom).reversed())
                                .toList())));
  }

  @Override
  public Optional<Price> inForce(PriceKey key, Instant at) {
    return versions.getOrDefault(key, List.of()).stream()
        .filter(p -> !p.getEffectiveFrom().isAfter(at))
        .findFirst();
  }
}
