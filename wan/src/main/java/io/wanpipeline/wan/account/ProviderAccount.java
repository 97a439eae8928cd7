package io.wanpipeline.wan.account;

import io.wanpipeline.wan.ApiKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One configured provider account: how to reach it and with which keys. Tasks are always polled,
 * cancelled and refreshed with the key that created them, found again by {@link ApiKey#ref()}.
 *
 * @param name the account's name in configuration and in events ({@code provider_account})
 * @param dialect wire dialect, for example {@code dashscope}
 * @param baseUrl base URL without {@code /api/v1}, for example {@code
 *     https://dashscope.aliyuncs.com}
 * @param region region code (cn, intl, us, eu) used for model availability
 * @param keys the account's API keys, at least one
 * @param options dialect options by key relative to {@code provider.<name>.} (for example {@code
 *     envelope} of the vtrix dialect); empty when none are set
 */
public record ProviderAccount(
    String name,
    String dialect,
    URI baseUrl,
    String region,
    List<ApiKey> keys,
    Map<String, String> options) {
  public ProviderAccount {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(region, "region");
    keys = List.copyOf(keys);
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("provider account " + name + " has no API key");
    }
    options = options == null ? Map.of() : Map.copyOf(options);
  }

  /** An account without dialect options. */
  public ProviderAccount(
      String name, String dialect, URI baseUrl, String region, List<ApiKey> keys) {
    this(name, dialect, baseUrl, region, keys, Map.of());
  }

  /** The key with reference {@code ref}, if this account has it. */
  public Optional<ApiKey> key(String ref) {
    return keys.stream().filter(k -> k.ref().equals(ref)).findFirst();
  }

  /** The key new tasks are created with. */
  public ApiKey submitKey() {
    return keys.get(0);
  }
}
