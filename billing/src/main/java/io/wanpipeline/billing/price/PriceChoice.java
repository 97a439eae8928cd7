package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The unit price a request is billed at, chosen the same way for a charge and for an estimate: the
 * account's own price before the any-account price, the audio price (when audio was asked for or
 * produced) before the silent one, the version in force at {@code at}; an any-account price is then
 * marked up and converted by the account's {@link AccountPricing}, while an account's own price is
 * used as it is.
 *
 * @param price the price version used
 * @param unitMicros micro-units per second after the markup
 * @param currency the currency billed
 * @param markup the markup applied, or null when none was
 */
public record PriceChoice(Price price, long unitMicros, String currency, BigDecimal markup) {

  /** Whether the audio price was used. */
  public boolean audio() {
    return price.getAudio();
  }

  /**
   * The price of {@code (account, model, tier, audio)} in force at {@code at}, or empty when none
   * is.
   *
   * @throws ArithmeticException if the marked-up price does not fit a long
   */
  public static Optional<PriceChoice> choose(
      PriceLookup prices,
      AccountPricing pricing,
      String account,
      String model,
      String tier,
      boolean audio,
      Instant at) {
    for (PriceKey key : candidates(account, model, tier, audio)) {
      Optional<Price> found = prices.inForce(key, at);
      if (found.isPresent()) {
        Price p = found.get();
        Optional<AccountPricing.Markup> markup =
            PriceKey.ANY_ACCOUNT.equals(p.getProviderAccount())
                ? pricing.markupOf(account)
                : Optional.empty();
        if (markup.isEmpty()) {
          return Optional.of(new PriceChoice(p, p.getMicrosPerSecond(), p.getCurrency(), null));
        }
        AccountPricing.Markup m = markup.get();
        return Optional.of(
            new PriceChoice(
                p,
                m.apply(p.getMicrosPerSecond()),
                m.currency() == null ? p.getCurrency() : m.currency(),
                m.factor()));
      }
    }
    return Optional.empty();
  }

  /**
   * The keys to try, most specific first: the account's own price before the any-account price, and
   * the audio price (when audio was produced) before the silent price, because only some models
   * price audio separately.
   */
  public static List<PriceKey> candidates(
      String account, String model, String tier, boolean audio) {
    List<PriceKey> keys = new ArrayList<>(4);
    List<Boolean> audioFlags = audio ? List.of(true, false) : List.of(false);
    for (boolean a : audioFlags) {
      if (account != null && !account.equals(PriceKey.ANY_ACCOUNT)) {
        keys.add(new PriceKey(account, model, tier, a));
      }
      keys.add(new PriceKey(PriceKey.ANY_ACCOUNT, model, tier, a));
    }
    return keys;
  }
}
