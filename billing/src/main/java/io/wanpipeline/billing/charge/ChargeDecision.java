package io.wanpipeline.billing.charge;

import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskStatus;

/** What billing does with one status event. */
public sealed interface ChargeDecision {

  /** The event is not a billable success (failed, cancelled, archived...): nothing happens. */
  record NotBillable() implements ChargeDecision {}

  /** The request is charged {@code charge}. */
  record Charged(Charge charge) implements ChargeDecision {}

  /**
   * The request succeeded but cannot be priced (no price in force, no tier or no duration): it is
   * charged nothing and flagged on billing-unpriced.
   *
   * @param status the succeeded event
   * @param reason why, for operators
   */
  record Unpriced(TaskStatus status, String reason) implements ChargeDecision {}
}
