package io.wanpipeline.billing;

import io.micrometer.core.instrument.MeterRegistry;
import io.wanpipeline.billing.charge.ChargeMeters;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
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

  /**
   * Counts the records {@link DeadLetterUnreadableRecords} dead-letters, by topic (the
   * application's input topics: a closed set), as {@code wan.records.unreadable}.
   */
  public DeadLetterUnreadableRecords.Listener unreadableRecords() {
    return ServiceMeters.unreadableRecords(registry);
  }
}
