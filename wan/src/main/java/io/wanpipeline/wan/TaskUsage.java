package io.wanpipeline.wan;

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
    String providerCostCurrency) {}
