package io.wanpipeline.wan.account;

import io.wanpipeline.wan.ApiKey;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The configured provider accounts and the default one.
 *
 * <p>Configuration keys: {@code provider.accounts} (comma-separated names, default {@code
 * default}), {@code provider.default-account} (default: the first), and per account {@code
 * provider.<name>.dialect} (default {@code dashscope}), {@code provider.<name>.base-url} (default
 * {@code https://dashscope.aliyuncs.com}), {@code provider.<name>.region} (default {@code cn}), and
 * the secret {@code provider.<name>.api-key} (one key, or several separated by commas; from the
 * environment, from the file named by {@code provider.<name>.api-key.file}, or from the service's
 * properties file; never from the command line). Dialect options, read into {@link
 * ProviderAccount#options()} when set: {@code provider.<name>.envelope} (vtrix: {@code object}, the
 * default, or {@code params-array}) and {@code provider.<name>.model-ids} (vtrix: extra {@code
 * ours=theirs} model id pairs).
 */
public final class ProviderAccounts {

  /** Keys below {@code provider.<name>.} that are read into {@link ProviderAccount#options()}. */
  public static final List<String> DIALECT_OPTIONS = List.of("envelope", "model-ids");

  private final Map<String, ProviderAccount> accounts;
  private final String defaultName;

  public ProviderAccounts(List<ProviderAccount> accounts, String defaultName) {
    Map<String, ProviderAccount> byName = new LinkedHashMap<>();
    accounts.forEach(a -> byName.put(a.name(), a));
    if (!byName.containsKey(defaultName)) {
      throw new IllegalArgumentException(
          "default provider account '" + defaultName + "' is not one of " + byName.keySet());
    }
    this.accounts = Map.copyOf(byName);
    this.defaultName = defaultName;
  }

  /**
   * Reads accounts from configuration.
   *
   * @param setting looks up a plain configuration key
   * @param secret looks up a secret key (environment or file, never the command line)
   */
  public static ProviderAccounts parse(
      Function<String, Optional<String>> setting, Function<String, Optional<String>> secret) {
    List<String> names =
        Arrays.stream(setting.apply("provider.accounts").orElse("default").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    List<ProviderAccount> accounts = new ArrayList<>();
    for (String name : names) {
      String prefix = "provider." + name + ".";
      String keyText =
          secret
              .apply(prefix + "api-key")
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "provider account "
                              + name
                              + " has no API key: set "
                              + prefix
                              + "api-key in the environment or "
                              + prefix
                              + "api-key.file"));
      List<ApiKey> keys = new ArrayList<>();
      String[] parts = keyText.split(",");
      for (int i = 0; i < parts.length; i++) {
        if (!parts[i].isBlank()) {
          keys.add(new ApiKey(name + "#" + i, parts[i].trim()));
        }
      }
      Map<String, String> options = new LinkedHashMap<>();
      for (String option : DIALECT_OPTIONS) {
        setting
            .apply(prefix + option)
            .filter(v -> !v.isBlank())
            .ifPresent(v -> options.put(option, v.trim()));
      }
      accounts.add(
          new ProviderAccount(
              name,
              setting.apply(prefix + "dialect").orElse("dashscope"),
              URI.create(
                  setting.apply(prefix + "base-url").orElse("https://dashscope.aliyuncs.com")),
              setting.apply(prefix + "region").orElse("cn"),
              keys,
              options));
    }
    return new ProviderAccounts(
        accounts, setting.apply("provider.default-account").orElse(names.get(0)));
  }

  /** The account named {@code name}, or the default when {@code name} is null or blank. */
  public Optional<ProviderAccount> resolve(String name) {
    return Optional.ofNullable(accounts.get(name == null || name.isBlank() ? defaultName : name));
  }

  /** The default account. */
  public ProviderAccount defaultAccount() {
    return accounts.get(defaultName);
  }

  /** Every account. */
  public List<ProviderAccount> all() {
    return List.copyOf(accounts.values());
  }

  /** The key with reference {@code ref} ({@code <account>#<n>}), in whichever account has it. */
  public Optional<ApiKey> key(String ref) {
    if (ref == null) {
      return Optional.empty();
    }
    int hash = ref.lastIndexOf('#');
    String account = hash < 0 ? ref : ref.substring(0, hash);
    return Optional.ofNullable(accounts.get(account)).flatMap(a -> a.key(ref));
  }
}
