package io.wanpipeline.wan;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.OptionalLong;

/**
 * What the provider reports it produced for a succeeded task.
 *
 * @param videoDurationMillis output length in milliseconds (fractional seconds kept to the ms)
 * @param tier resolution tier (480P, 720P, 1080P) from {@code SR} or {@code video_ratio}, or null
 * @param videoCount number of videos (1 for video tasks)
 * @param audio whether the output has generated audio, or null when not reported
 * @param providerCost the gateway's own charge as a decimal string (Vtrix), or null
 * @param providerCostCurrency currency of {@code providerCost}, or null
 */
public record TaskUsage(
    long videoDurationMillis,
    String tier,
    int videoCount,
    Boolean audio,
    String providerCost,
    String providerCostCurrency) {
  /**
   * Milliseconds of {@code seconds} of output, half up; empty when there are none, they are
   * negative, or they are more than a long holds (no duration a provider could mean). Every
   * dialect's usage parser reads its seconds through this one rule.
   */
  public static OptionalLong millisOf(BigDecimal seconds) {
    if (seconds == null || seconds.signum() < 0) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(
          seconds.movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact());
    } catch (ArithmeticException e) {
      return OptionalLong.empty();
    }
  }
}
