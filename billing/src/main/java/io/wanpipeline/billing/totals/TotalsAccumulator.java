package io.wanpipeline.billing.totals;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.ModelTotal;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Adds a charge to an account's daily total. Pure and order-insensitive in its sums, so replaying
 * the charges from scratch gives the same totals; {@code updated_at} is the latest completion time
 * included, never the wall clock.
 */
public final class TotalsAccumulator {
  private TotalsAccumulator() {}

  /**
   * The total after {@code charge}.
   *
   * @param previous the total so far, or null for the first charge of the key
   * @throws ArithmeticException on overflow
   */
  public static AccountTotal add(AccountTotal previous, Charge charge) {
    if (previous == null) {
      previous =
          AccountTotal.newBuilder()
              .setAccountId(charge.getAccountId())
              .setDay(charge.getDay())
              .setCurrency(charge.getCurrency())
              .setAmountMicros(0)
              .setBillableMillis(0)
              .setTaskCount(0)
              .setModels(Map.of())
              .setUpdatedAt(charge.getCompletedAt())
              .build();
    }
    Map<String, ModelTotal> models = new TreeMap<>(previous.getModels());
    ModelTotal model = models.get(charge.getModel());
    models.put(
        charge.getModel(),
        ModelTotal.newBuilder()
            .setAmountMicros(
                Math.addExact(
                    model == null ? 0 : model.getAmountMicros(), charge.getAmountMicros()))
            .setBillableMillis(
                Math.addExact(
                    model == null ? 0 : model.getBillableMillis(), charge.getBillableMillis()))
            .setTaskCount(Math.addExact(model == null ? 0 : model.getTaskCount(), 1))
            .build());
    Instant updatedAt =
        charge.getCompletedAt().isAfter(previous.getUpdatedAt())
            ? charge.getCompletedAt()
            : previous.getUpdatedAt();
    return AccountTotal.newBuilder(previous)
        .setAmountMicros(Math.addExact(previous.getAmountMicros(), charge.getAmountMicros()))
        .setBillableMillis(Math.addExact(previous.getBillableMillis(), charge.getBillableMillis()))
        .setTaskCount(Math.addExact(previous.getTaskCount(), 1))
        .setModels(models)
        .setUpdatedAt(updatedAt)
        .build();
  }
}
