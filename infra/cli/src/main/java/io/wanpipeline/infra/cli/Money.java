package io.wanpipeline.infra.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The one way the command line writes money: the amount, then the ISO currency code, as {@code 0.50
 * CNY} or {@code 0.0125 USD}. Amounts are kept in micro-units (as {@code Charge.amount_micros});
 * the text shows at least the currency's two cents digits and every further digit that is not a
 * trailing zero, so it is exact and never rounded.
 */
public final class Money {
  private Money() {}

  /** {@code micros} micro-units of {@code currency}, as {@code 12.50 CNY}. */
  public static String of(long micros, String currency) {
    return amount(micros) + " " + currency;
  }

  /** The amount alone, as {@code 12.50}: for a table whose column names the currency. */
  public static String amount(long micros) {
    BigDecimal value = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
    return (value.scale() < 2 ? value.setScale(2, RoundingMode.UNNECESSARY) : value)
        .toPlainString();
  }
}
