package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.ModelTotal;
import io.wanpipeline.events.Price;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The bill the chaos test expects, computed from the simulator's ledger and the price rows alone,
 * without billing's code, so that a billing bug shows as a difference: each succeeded task is
 * charged {@code usage_millis x micros_per_second / 1000} rounded half up to a whole micro-unit
 * (the rule of the README and the Charge schema), at the price of its provider account (else {@code
 * *}), model, tier and audio flag (the audio price when audio was asked for and one exists, else
 * the silent one) whose {@code effective_from} is the latest at or before the task's completion;
 * the charges are summed per caller account, UTC day of the completion and currency, and per model
 * within. A task completes at its end at the provider, or, when its dialect reports no end time,
 * when the pipeline saw it succeed (the README's rule for {@code completed_at}).
 */
final class LedgerBill {
  private static final String ANY_ACCOUNT = "*";

  /**
   * A total as the test compares it: the fields of {@code AccountTotal} that come from charges.
   *
   * @param amountMicros sum of the amounts
   * @param billableMillis sum of the billed milliseconds
   * @param taskCount tasks charged
   * @param models the same three sums per model
   */
  record Total(
      long amountMicros, long billableMillis, long taskCount, Map<String, ModelSum> models) {}

  /**
   * One model's part of a total.
   *
   * @param amountMicros sum of the amounts
   * @param billableMillis sum of the billed milliseconds
   * @param taskCount tasks charged
   */
  record ModelSum(long amountMicros, long billableMillis, long taskCount) {}

  /**
   * One succeeded task to bill.
   *
   * @param callerAccount the request's account_id
   * @param task the simulator's record of the task
   * @param completedAt the task's end at the provider, or the SUCCEEDED event's time when the
   *     provider's answer carries no end time
   */
  record Billed(String callerAccount, SimulatorLedger.TaskRecord task, Instant completedAt) {}

  private final List<Price> prices;
  private final Map<String, Total> totals = new TreeMap<>();
  private final List<String> unpriced = new ArrayList<>();

  /** Prices every task of {@code billed} with {@code prices}. */
  LedgerBill(List<Price> prices, List<Billed> billed) {
    this.prices = List.copyOf(prices);
    billed.forEach(this::add);
  }

  /** The expected totals by {@code account|day|currency}. */
  Map<String, Total> totals() {
    return new TreeMap<>(totals);
  }

  /** Tasks no price row matched (none are expected in the chaos workload). */
  List<String> unpriced() {
    return List.copyOf(unpriced);
  }

  /** Billing's totals in the same shape. */
  static Map<String, Total> of(Map<String, AccountTotal> actual) {
    Map<String, Total> out = new TreeMap<>();
    actual.forEach(
        (key, t) -> {
          Map<String, ModelSum> models = new TreeMap<>();
          for (Map.Entry<String, ModelTotal> m : t.getModels().entrySet()) {
            models.put(
                m.getKey(),
                new ModelSum(
                    m.getValue().getAmountMicros(),
                    m.getValue().getBillableMillis(),
                    m.getValue().getTaskCount()));
          }
          out.put(
              key, new Total(t.getAmountMicros(), t.getBillableMillis(), t.getTaskCount(), models));
        });
    return out;
  }

  private void add(Billed b) {
    SimulatorLedger.TaskRecord task = b.task();
    Optional<Price> price = priceOf(task, b.completedAt());
    if (price.isEmpty()) {
      unpriced.add(task.pipelineRequestId() + " (" + task.model() + " " + task.tier() + ")");
      return;
    }
    long amount =
        BigDecimal.valueOf(task.usageMillis())
            .multiply(BigDecimal.valueOf(price.get().getMicrosPerSecond()))
            .divide(BigDecimal.valueOf(1000), 0, RoundingMode.HALF_UP)
            .longValueExact();
    String day = b.completedAt().atOffset(ZoneOffset.UTC).toLocalDate().toString();
    String key = b.callerAccount() + "|" + day + "|" + price.get().getCurrency();
    Total before = totals.getOrDefault(key, new Total(0, 0, 0, Map.of()));
    Map<String, ModelSum> models = new TreeMap<>(before.models());
    ModelSum m = models.getOrDefault(task.model(), new ModelSum(0, 0, 0));
    models.put(
        task.model(),
        new ModelSum(
            m.amountMicros() + amount, m.billableMillis() + task.usageMillis(), m.taskCount() + 1));
    totals.put(
        key,
        new Total(
            before.amountMicros() + amount,
            before.billableMillis() + task.usageMillis(),
            before.taskCount() + 1,
            models));
  }

  /** The row to bill {@code task} at, by the documented order of preference. */
  private Optional<Price> priceOf(SimulatorLedger.TaskRecord task, Instant completedAt) {
    List<Boolean> audioFlags = task.audio() ? List.of(true, false) : List.of(false);
    for (boolean audio : audioFlags) {
      for (String account : List.of(task.account(), ANY_ACCOUNT)) {
        Optional<Price> found =
            prices.stream()
                .filter(p -> p.getProviderAccount().equals(account))
                .filter(p -> p.getModel().equals(task.model()))
                .filter(p -> p.getTier().equals(task.tier()))
                .filter(p -> p.getAudio() == audio)
                .filter(p -> !p.getEffectiveFrom().isAfter(completedAt))
                .max(Comparator.comparing(Price::getEffectiveFrom));
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }
}
