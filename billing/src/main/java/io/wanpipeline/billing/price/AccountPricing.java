package io.wanpipeline.billing.price;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Each provider account's gateway markup and billing currency, applied to the any-account ({@code
 * *}) price: a gateway such as APIYI charges the official CNY price times 0.14, in USD.
 *
 * <p>Keys (defaults in brackets): {@code provider.accounts} [{@code default}], and per account
 * {@code provider.<name>.price-markup} [1] (a positive decimal) and {@code
 * provider.<name>.price-currency} [the price's own] (an ISO 4217 code). An account with neither is
 * priced as the official list.
 */
public final class AccountPricing {
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  private final Map<String, Markup> markups;

  /**
   * One account's markup.
   *
   * @param factor multiplies the any-account unit price (1 = unchanged)
   * @param currency the currency the account bills in, or null to keep the price's
   */
  public record Markup(BigDecimal factor, String currency) {
    public Markup {
      Objects.requireNonNull(factor, "factor");
      if (factor.signum() <= 0) {
        throw new IllegalArgumentException("markup must be positive: " + factor);
      }
    }

    /** {@code round_half_up(microsPerSecond x factor)}, in whole micro-units. */
    public long apply(long microsPerSecond) {
      return BigDecimal.valueOf(microsPerSecond)
          .multiply(factor)
          .setScale(0, java.math.RoundingMode.HALF_UP)
          .longValueExact();
    }
  }

  private AccountPricing(Map<String, Markup> markups) {
    this.markups = Map.copyOf(markups);
  }

  /** No account has a markup. */
  public static AccountPricing none() {
    return new AccountPricing(Map.of());
  }

  /** The given markups by provider account name. */
  public static AccountPricing of(Map<String, Markup> markups) {
    return new AccountPricing(markups);
  }

  /** Reads the markups of the accounts in {@code provider.accounts}; fails naming the key. */
  public static AccountPricing from(Settings s) {
    Map<String, Markup> markups = new TreeMap<>();
    String[] names = s.string("provider.accounts", "default").split(",");
    for (String raw : Arrays.asList(names)) {
      String name = raw.trim();
      if (name.isEmpty()) {
        continue;
      }
      String markupKey = "provider." + name + ".price-markup";
      String currencyKey = "provider." + name + ".price-currency";
      Optional<String> factor = s.find(markupKey);
      Optional<String> currency = s.find(currencyKey).map(String::trim);
      if (factor.isEmpty() && currency.isEmpty()) {
        continue;
      }
      BigDecimal f;
      try {
        f = new BigDecimal(factor.orElse("1").trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(markupKey + ": not a decimal number");
      }
      if (f.signum() <= 0) {
        throw new ConfigException(markupKey + ": must be positive, got " + f.toPlainString());
      }
      String code = currency.map(c -> c.toUpperCase(Locale.ROOT)).orElse(null);
      if (code != null && !CURRENCY.matcher(code).matches()) {
        throw new ConfigException(currencyKey + ": must be a three-letter currency code");
      }
      markups.put(name, new Markup(f, code));
    }
    return new AccountPricing(markups);
  }

  /** The markup of {@code providerAccount}, or empty when it is priced as the list. */
  public Optional<Markup> markupOf(String providerAccount) {
    return providerAccount == null
        ? Optional.empty()
        : Optional.ofNullable(markups.get(providerAccount));
  }
}
