package io.wanpipeline.billing;

import io.micrometer.core.instrument.MeterRegistry;
import io.wanpipeline.billing.charge.ChargeMeters;
import java.util.Objects;

/**
 * The meters of one billing instance ({@code docs/metrics.md}, section billing), recorded by the
 * topology's processors and the deserialization handler into the service's registry.
 */
public final class BillingMetrics {
  private final MeterRegistry registry;
  private final ChargeMeters charges;

  /** Registers billing's meters in {@code registry}. */
  public BillingMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.charges = new ChargeMeters(registry);
  }

  /** The charges made and the requests flagged unpriced. */
  public ChargeMeters charges() {
    return charges;
  }

  /** The registry billing's meters are in (the dead letters' count goes there too). */
  public MeterRegistry registry() {
    return registry;
  }
}
