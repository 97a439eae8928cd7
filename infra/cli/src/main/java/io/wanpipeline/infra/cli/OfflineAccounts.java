package io.wanpipeline.infra.cli;

import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.util.Optional;

/**
 * The provider accounts of a configuration as the submitter reads them, for the commands that check
 * requests against them without calling a provider (estimate, batch): they need and read no API
 * key.
 */
public final class OfflineAccounts {
  private OfflineAccounts() {}

  /** The accounts of {@code settings}, each with a key that is never sent anywhere. */
  public static ProviderAccounts of(Settings settings) {
    return ProviderAccounts.parse(settings::find, key -> Optional.of("not-read-offline"));
  }
}
