package io.wanpipeline.wan.account;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.Region;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One configured provider account: how to reach it, with which keys, and within which limits. Tasks
 * are always polled, cancelled and refreshed with the key that created them, found again by {@link
 * ApiKey#ref()}.
 *
 * @param name the account's name in configuration and in events ({@code provider_account})
 * @param dialect wire dialect, for example {@code dashscope}
 * @param baseUrl base URL without {@code /api/v1}, for example {@code
 *     https://dashscope.aliyuncs.com}
 * @param region region code (cn, intl, us, eu) used for model availability and default limits
 * @param keys the account's API keys, at least one; new tasks are created with the last
 * @param limits the provider's limits for this account
 */
public record ProviderAccount(
    String name,
    String dialect,
    URI baseUrl,
    String region,
    List<ApiKey> keys,
    AccountLimits limits) {
  public ProviderAccount {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(limits, "limits");
    keys = List.copyOf(keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("provider account " + name + " has no API key");
    }
  }

  /**
   * An account with the catalogue's default limits for its region (China (Beijing) when the region
   * is not recognised).
   */
  public ProviderAccount(
      String name, String dialect, URI baseUrl, String region, List<ApiKey> keys) {
    this(
        name,
        dialect,
        baseUrl,
        region,
        keys,
        AccountLimits.defaults(ModelCatalogue.standard(), Region.parse(region).orElse(Region.CN)));
  }

  /** The key with reference {@code ref}, if this account has it. */
  public Optional<ApiKey> key(String ref) {
    return keys.stream().filter(k -> k.ref().equals(ref)).findFirst();
  }

  /**
   * The key new tasks are created with: the last one configured, so that a new key is added at the
   * end of the list and the references of the others stay the same.
   */
  public ApiKey submitKey() {
    return keys.get(keys.size() - 1);
  }
}
