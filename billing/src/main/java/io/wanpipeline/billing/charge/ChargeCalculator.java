package io.wanpipeline.billing.charge;

import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.PriceChoice;
import io.wanpipeline.billing.price.PriceKey;
import io.wanpipeline.billing.price.PriceLookup;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.Usage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides the charge of one status event: only SUCCEEDED and LATE_SUCCEEDED are billed, for the
 * provider's reported output milliseconds (else the requested duration) at the unit price of
 * (provider account, model, tier, audio) in force when the task completed. Pure: no Kafka, no
 * clock.
 */
public final class ChargeCalculator {
  private static final BigDecimal MILLIS_PER_SECOND = BigDecimal.valueOf(1000);

  private ChargeCalculator() {}

  /** True for the states that are billed. */
  public static boolean billable(TaskState state) {
    return state == TaskState.SUCCEEDED || state == TaskState.LATE_SUCCEEDED;
  }

  /** The decision for {@code status} with the prices of {@code prices} and no markups. */
  public static ChargeDecision decide(TaskStatus status, PriceLookup prices) {
    return decide(status, prices, AccountPricing.none());
  }

  /**
   * The decision for {@code status} with the prices of {@code prices}, any-account prices marked up
   * per {@code pricing}.
   */
  public static ChargeDecision decide(
      TaskStatus status, PriceLookup prices, AccountPricing pricing) {
    if (!billable(status.getState())) {
      return new ChargeDecision.NotBillable();
    }
    Usage usage = status.getUsage();
    long billableMillis;
    if (usage != null) {
      billableMillis = usage.getVideoDurationMillis();
    } else if (status.getRequestedDuration() != null) {
      billableMillis = status.getRequestedDuration() * 1000L;
    } else {
      return new ChargeDecision.Unpriced(status, "no usage and no requested duration");
    }
    if (billableMillis < 0) {
      return new ChargeDecision.Unpriced(status, "negative duration " + billableMillis + " ms");
    }
    String tier = usage != null && usage.getTier() != null ? usage.getTier() : null;
    if (tier == null) {
      tier = status.getRequestedResolution();
    }
    if (tier == null || tier.isBlank()) {
      return new ChargeDecision.Unpriced(status, "no resolution tier reported or requested");
    }
    tier = tier.strip().toUpperCase(Locale.ROOT);
    boolean audio = audioOf(status);
    Instant completedAt = completedAt(status);

    Optional<PriceChoice> price;
    try {
      price =
          PriceChoice.choose(
              prices,
              pricing,
              status.getProviderAccount(),
              status.getModel(),
              tier,
              audio,
              completedAt);
    } catch (ArithmeticException e) {
      return new ChargeDecision.Unpriced(status, "marked-up price out of range");
    }
    if (price.isEmpty()) {
      return new ChargeDecision.Unpriced(
          status,
          "no price in force at "
              + completedAt
              + " for "
              + new PriceKey(status.getProviderAccount(), status.getModel(), tier, audio)
                  .topicKey());
    }
    PriceChoice choice = price.get();
    Price p = choice.price();
    return new ChargeDecision.Charged(
        Charge.newBuilder()
            .setRequestId(status.getRequestId())
            .setAccountId(status.getAccountId())
            .setProviderAccount(status.getProviderAccount())
            .setModel(status.getModel())
            .setTaskId(status.getTaskId())
            .setTier(tier)
            .setAudio(p.getAudio())
            .setBillableMillis(billableMillis)
            .setUnitPriceMicros(choice.unitMicros())
            .setAmountMicros(amountMicros(billableMillis, choice.unitMicros()))
            .setCurrency(choice.currency())
            .setPriceMarkup(choice.markup() == null ? null : choice.markup().toPlainString())
            .setPriceEffectiveFrom(p.getEffectiveFrom())
            .setCompletedAt(completedAt)
            .setDay(dayOf(completedAt))
            .setProviderCost(usage == null ? null : usage.getProviderCost())
            .setProviderCostCurrency(usage == null ? null : usage.getProviderCostCurrency())
            .build());
  }

  /**
   * {@code billableMillis x microsPerSecond / 1000}, rounded half-up to a whole micro-unit, in
   * exact decimal arithmetic.
   *
   * @throws ArithmeticException if the amount does not fit a long
   */
  public static long amountMicros(long billableMillis, long microsPerSecond) {
    return BigDecimal.valueOf(billableMillis)
        .multiply(BigDecimal.valueOf(microsPerSecond))
        .divide(MILLIS_PER_SECOND, 0, RoundingMode.HALF_UP)
        .longValueExact();
  }

  /** When the task completed: the provider's end time, else the event time. */
  public static Instant completedAt(TaskStatus status) {
    return status.getProviderEndTime() != null
        ? status.getProviderEndTime()
        : status.getEventTime();
  }

  /** The UTC day ({@code yyyy-MM-dd}) of {@code instant}. */
  public static String dayOf(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC).toLocalDate().toString();
  }

  private static boolean audioOf(TaskStatus status) {
    Usage usage = status.getUsage();
    if (usage != null && usage.getAudio() != null) {
      return usage.getAudio();
    }
    return Boolean.TRUE.equals(status.getRequestedAudio());
  }

  static List<PriceKey> candidates(String account, String model, String tier, boolean audio) {
    return PriceChoice.candidates(account, model, tier, audio);
  }
}
