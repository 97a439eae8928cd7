package io.wanpipeline.billing;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one billing instance, published as meters by {@link BillingService}. */
public final class BillingMetrics {
  private final AtomicLong unpriced = new AtomicLong();

  /** Succeeded requests this instance flagged on billing-unpriced since it started. */
  public AtomicLong unpriced() {
    return unpriced;
  }
}
