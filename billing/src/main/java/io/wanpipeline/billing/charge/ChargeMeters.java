package io.wanpipeline.billing.charge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.wanpipeline.events.Charge;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link ChargeProcessor} decided, as meters ({@code docs/metrics.md}, section billing). Tags
 * are bounded: {@code currency} comes from the price list and the configured markups, {@code model}
 * is a priced model (an unpriced one is never charged); never an account id or a request id.
 *
 * <p>The counts are of work done, not of work committed: with exactly-once processing a charge made
 * in a transaction that aborts (or on an instance that dies before its commit) is made again by the
 * task's next owner and counted again there. {@code billing-charges} and {@code billing-totals} are
 * the figures of record; these meters are for watching rates. Thread-safe.
 */
public final class ChargeMeters {
  private final MeterRegistry registry;
  private final AtomicLong unpriced = new AtomicLong();

  /** Registers the charge meters in {@code registry}. */
  public ChargeMeters(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    FunctionCounter.builder("wan.billing.unpriced", unpriced, AtomicLong::get)
        .description("succeeded requests this instance flagged on billing-unpriced (no price)")
        .register(registry);
  }

  /** Records a charge made. */
  public void charged(Charge charge) {
    String currency = charge.getCurrency();
    Counter.builder("wan.billing.charges")
        .description("charges made")
        .tag("currency", currency)
        .register(registry)
        .increment();
    Counter.builder("wan.billing.charged.amount")
        .description("amount charged, in micro-units of the currency")
        .baseUnit("micros")
        .tag("currency", currency)
        .register(registry)
        .increment(charge.getAmountMicros());
    Counter.builder("wan.billing.billable")
        .description("output seconds charged")
        .baseUnit("seconds")
        .tag("model", charge.getModel())
        .register(registry)
        .increment(charge.getBillableMillis() / 1000.0);
  }

  /** Records a succeeded request flagged unpriced. */
  public void unpriced() {
    unpriced.incrementAndGet();
  }

  /** Succeeded requests flagged unpriced since the start. */
  public long unpricedCount() {
    return unpriced.get();
  }
}
