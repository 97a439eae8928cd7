package io.wanpipeline.billing.totals;

import io.wanpipeline.events.Charge;

/** Keys of billing-totals and of the totals store: {@code account_id|day|currency}. */
public final class TotalsKey {
  private static final String SEPARATOR = "|";

  private TotalsKey() {}

  /** The totals key a charge counts toward. */
  public static String of(Charge charge) {
    return of(charge.getAccountId(), charge.getDay(), charge.getCurrency());
  }

  /** {@code accountId|day|currency}. */
  public static String of(String accountId, String day, String currency) {
    return accountId + SEPARATOR + day + SEPARATOR + currency;
  }

  /** The smallest key of {@code accountId} on {@code day}. */
  public static String dayStart(String accountId, String day) {
    return accountId + SEPARATOR + day + SEPARATOR;
  }

  /** A key greater than every key of {@code accountId} on {@code day}. */
  public static String dayEnd(String accountId, String day) {
    return accountId + SEPARATOR + day + SEPARATOR + '\uffff';
  }
}
