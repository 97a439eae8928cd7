package io.wanpipeline.wan.catalogue;

/**
 * The provider's default per-account, per-model limits in one region (docs/protocol.md 1.9).
 *
 * @param submitRps create-task calls per second
 * @param concurrentTasks tasks in progress at once; more stay PENDING in the provider's queue
 */
public record ProviderLimits(int submitRps, int concurrentTasks) {
  public ProviderLimits {
    if (submitRps < 1 || concurrentTasks < 1) {
      throw new IllegalArgumentException(
          "limits must be positive: submitRps="
              + submitRps
              + ", concurrentTasks="
              + concurrentTasks);
    }
  }
}
