package io.wanpipeline.billing.estimate;

import java.math.BigDecimal;

/** The price of one request before it is submitted: priced, or explicitly unpriced. */
public sealed interface Estimate {

  /** The request id, or null. */
  String requestId();

  /** The model asked for. */
  String model();

  /**
   * A priced request.
   *
   * @param requestId the request id, or null
   * @param model provider model id
   * @param providerAccount provider account priced for, or null for the list price
   * @param tier resolution tier
   * @param audio whether the audio price applied
   * @param seconds output seconds priced
   * @param exact true when the output length is known before generation; false when {@code seconds}
   *     is the model's maximum (the output follows an input)
   * @param unitMicros micro-units per second, after any markup
   * @param amountMicros {@code seconds x unitMicros}
   * @param currency ISO 4217 code
   * @param markup the markup applied, or null
   */
  record Priced(
      String requestId,
      String model,
      String providerAccount,
      String tier,
      boolean audio,
      int seconds,
      boolean exact,
      long unitMicros,
      long amountMicros,
      String currency,
      BigDecimal markup)
      implements Estimate {}

  /**
   * A request that cannot be priced: never zero.
   *
   * @param requestId the request id, or null
   * @param model the model asked for, or null
   * @param reason why
   */
  record Unpriced(String requestId, String model, String reason) implements Estimate {}
}
