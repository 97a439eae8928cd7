package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * What a unit price is for: a provider account ({@code *} for any), a model, a resolution tier and
 * the audio flag. Its {@link #topicKey()} is the key of the wan-prices topic.
 *
 * @param providerAccount provider account name, or {@link #ANY_ACCOUNT}
 * @param model provider model id
 * @param tier resolution tier, upper case (480P, 720P, 1080P)
 * @param audio true for the with-audio price
 */
public record PriceKey(String providerAccount, String model, String tier, boolean audio) {
  /** The provider account of prices that apply to every account without its own price. */
  public static final String ANY_ACCOUNT = "*";

  private static final String SEPARATOR = "|";
  private static final int MILLIS_DIGITS = 19;

  public PriceKey {
    Objects.requireNonNull(providerAccount, "providerAccount");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(tier, "tier");
    tier = tier.toUpperCase(Locale.ROOT);
  }

  /** The key of {@code price}. */
  public static PriceKey of(Price price) {
    return new PriceKey(
        price.getProviderAccount(), price.getModel(), price.getTier(), price.getAudio());
  }

  /** The same key for any provider account. */
  public PriceKey anyAccount() {
    return new PriceKey(ANY_ACCOUNT, model, tier, audio);
  }

  /** {@code provider_account|model|tier|audio}: the key of the wan-prices topic. */
  public String topicKey() {
    return providerAccount + SEPARATOR + model + SEPARATOR + tier + SEPARATOR + audio;
  }

  /**
   * The key of one version of this price in the price history: the topic key, then the effective
   * time as zero-padded epoch milliseconds, so that keys of one price sort by time.
   */
  public String versionKey(Instant effectiveFrom) {
    long millis = effectiveFrom.toEpochMilli();
    if (millis < 0) {
      throw new IllegalArgumentException("effective_from before 1970 is not supported: " + millis);
    }
    return versionPrefix() + pad(millis);
  }

  /** The first possible version key of this price. */
  public String firstVersionKey() {
    return versionPrefix() + pad(0);
  }

  /** The last possible version key of this price (every {@link #versionKey} sorts before it). */
  public String lastVersionKey() {
    return versionPrefix() + "9".repeat(MILLIS_DIGITS);
  }

  private String versionPrefix() {
    return topicKey() + SEPARATOR;
  }

  private static String pad(long millis) {
    String digits = Long.toString(millis);
    return "0".repeat(MILLIS_DIGITS - digits.length()) + digits;
  }
}
