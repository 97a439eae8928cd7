package io.wanpipeline.wan.account;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.Phrases;
import io.wanpipeline.wan.catalogue.Region;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The configured provider accounts and the default one, validated at start.
 *
 * <p>Configuration keys: {@code provider.accounts} (comma-separated names, default {@code
 * default}), {@code provider.default-account} (default: the first), and per account:
 *
 * <ul>
 *   <li>{@code provider.<name>.dialect}: one of {@link #DIALECTS} (default {@code dashscope});
 *   <li>{@code provider.<name>.region}: cn, intl, us or eu (default {@code cn}); for the {@code
 *       dashscope} dialect it chooses the documented base URL ({@link #dashScopeBaseUrl(Region)})
 *       when no base URL is set;
 *   <li>{@code provider.<name>.base-url}: absolute http(s) URL without {@code /api/v1}; required
 *       for region eu and for every gateway dialect;
 *   <li>the secret {@code provider.<name>.api-key}: keys separated by commas, or the file named by
 *       {@code provider.<name>.api-key.file} with one key per line; from the environment or the
 *       file, never the command line. Key {@code n} (from 0) is referred to as {@code <name>#<n>};
 *       a blank entry or {@code -} keeps a retired key's place; new tasks use the last key;
 *   <li>{@code provider.<name>.query-rate}: task queries (single, list, cancel) per second for the
 *       whole account (default {@link AccountLimits#DEFAULT_QUERY_RATE});
 *   <li>{@code provider.<name>.queue-ahead} [0]: tasks per model submitted beyond the cap, for a
 *       provider that queues them as PENDING ({@link AccountLimits#queueAhead()});
 *   <li>{@code provider.<name>.model.<model-id>.submit-rate} and {@code
 *       provider.<name>.model.<model-id>.max-in-progress}: a catalogue model's create calls per
 *       second and tasks in progress (defaults: the catalogue's limits in the account's region);
 *   <li>dialect options, read into {@link ProviderAccount#options()} when set: {@code
 *       provider.<name>.envelope} (vtrix: {@code object}, the default, or {@code params-array}) and
 *       {@code provider.<name>.model-ids} (vtrix: extra {@code ours=theirs} model id pairs).
 * </ul>
 */
public final class ProviderAccounts {

  /** Keys below {@code provider.<name>.} that are read into {@link ProviderAccount#options()}. */
  public static final List<String> DIALECT_OPTIONS = List.of("envelope", "model-ids");

  /**
   * Dialect names {@code provider.<name>.dialect} accepts ({@code native} is read as {@code
   * dashscope}); {@link WanClients} refuses those whose client is not built in.
   */
  public static final List<String> DIALECTS =
      List.of("dashscope", "crazyrouter", "apiyi", "mulerouter", "vtrix");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\s*-?\\s*");
  private static final Map<Region, URI> DASHSCOPE_HOSTS = dashScopeHosts();

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
   * Reads and validates accounts from configuration, with limits from the standard catalogue.
   *
   * @param setting looks up a plain configuration key
   * @param secret looks up a secret key (environment or file, never the command line)
   * @throws IllegalArgumentException naming the offending key
   */
  public static ProviderAccounts parse(
      Function<String, Optional<String>> setting, Function<String, Optional<String>> secret) {
    return parse(setting, secret, ModelCatalogue.standard());
  }

  /**
   * Reads and validates accounts from configuration; default limits come from {@code catalogue}.
   *
   * @throws IllegalArgumentException naming the offending key
   */
  public static ProviderAccounts parse(
      Function<String, Optional<String>> setting,
      Function<String, Optional<String>> secret,
      ModelCatalogue catalogue) {
    List<String> names =
        Arrays.stream(setting.apply("provider.accounts").orElse("default").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    if (names.isEmpty()) {
      throw new IllegalArgumentException("provider.accounts: names no account");
    }
    for (String name : names) {
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "provider.accounts: account name '"
                + Phrases.echo(name)
                + "' must start with a letter or digit and hold only letters, digits, '-' and '_'");
      }
      if (names.indexOf(name) != names.lastIndexOf(name)) {
        throw new IllegalArgumentException(
            "provider.accounts: account '" + name + "' is listed twice");
      }
    }
    List<ProviderAccount> accounts = new ArrayList<>();
    for (String name : names) {
      accounts.add(account(name, setting, secret, catalogue));
    }
    String defaultName = setting.apply("provider.default-account").orElse(names.get(0));
    if (!names.contains(defaultName)) {
      throw new IllegalArgumentException(
          "provider.default-account: '"
              + Phrases.echo(defaultName)
              + "' is not one of provider.accounts "
              + names);
    }
    return new ProviderAccounts(accounts, defaultName);
  }

  /**
   * The documented DashScope base URL of {@code region}: {@code https://dashscope.aliyuncs.com}
   * (cn), {@code https://dashscope-intl.aliyuncs.com} (intl), {@code
   * https://dashscope-us.aliyuncs.com} (us); empty for eu, which has only workspace hosts ({@code
   * https://<WorkspaceId>.eu-central-1.maas.aliyuncs.com}).
   */
  public static Optional<URI> dashScopeBaseUrl(Region region) {
    return Optional.ofNullable(DASHSCOPE_HOSTS.get(region));
  }

  private static ProviderAccount account(
      String name,
      Function<String, Optional<String>> setting,
      Function<String, Optional<String>> secret,
      ModelCatalogue catalogue) {
    String prefix = "provider." + name + ".";
    String dialect = dialect(prefix + "dialect", setting.apply(prefix + "dialect"));
    Region region = region(prefix + "region", setting.apply(prefix + "region"));
    URI baseUrl = baseUrl(prefix, setting.apply(prefix + "base-url"), dialect, region);
    List<ApiKey> keys = keys(name, prefix + "api-key", secret.apply(prefix + "api-key"));
    AccountLimits limits = limits(prefix, setting, catalogue, region);
    Map<String, String> options = new LinkedHashMap<>();
    for (String option : DIALECT_OPTIONS) {
      setting
          .apply(prefix + option)
          .filter(v -> !v.isBlank())
          .ifPresent(v -> options.put(option, v.trim()));
    }
    return new ProviderAccount(name, dialect, baseUrl, region.code(), keys, limits, options);
  }

  private static String dialect(String key, Optional<String> value) {
    String dialect = value.orElse("dashscope").trim().toLowerCase(Locale.ROOT);
    if (dialect.equals("native")) {
      return "dashscope";
    }
    if (!DIALECTS.contains(dialect)) {
      throw new IllegalArgumentException(
          key
              + ": unknown dialect '"
              + Phrases.echo(value.orElse(""))
              + "'; supported: "
              + String.join(", ", DIALECTS));
    }
    return dialect;
  }

  private static Region region(String key, Optional<String> value) {
    if (value.isEmpty()) {
      return Region.CN;
    }
    return Region.parse(value.get())
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    key
                        + ": unknown region '"
                        + Phrases.echo(value.get())
                        + "'; expected cn, intl, us or eu (or an alias such as beijing,"
                        + " singapore, virginia, frankfurt)"));
  }

  private static URI baseUrl(String prefix, Optional<String> value, String dialect, Region region) {
    String key = prefix + "base-url";
    if (value.isEmpty() || value.get().isBlank()) {
      if (!dialect.equals("dashscope")) {
        throw new IllegalArgumentException(
            key + ": required for dialect " + dialect + " (the gateway's own host)");
      }
      return dashScopeBaseUrl(region)
          .orElseThrow(
              () ->
                  new IllegalArgumentException(
                      key
                          + ": required for region "
                          + region.code()
                          + " ("
                          + region.displayName()
                          + " has only workspace hosts such as"
                          + " https://<WorkspaceId>.eu-central-1.maas.aliyuncs.com)"));
    }
    String text = value.get().trim();
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(key + ": not a valid URL (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(key + ": must be an absolute http or https URL");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new IllegalArgumentException(key + ": has no host name");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(key + ": must not carry credentials");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(key + ": must have no query string or fragment");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (dialect.equals("dashscope") && path.endsWith("/api/v1")) {
      throw new IllegalArgumentException(
          key
              + ": leave out /api/v1 (the client appends it), e.g. "
              + uri.getScheme()
              + "://"
              + uri.getRawAuthority());
    }
    return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path);
  }

  /**
   * Keys by position: entries are separated by commas or line breaks; a blank entry or {@code -}
   * keeps the place of a retired key so that the others keep their references.
   */
  private static List<ApiKey> keys(String account, String key, Optional<String> secret) {
    List<ApiKey> keys = new ArrayList<>();
    if (secret.isPresent()) {
      String[] entries = secret.get().replace("\r\n", "\n").replace('\r', '\n').split("[,\n]", -1);
      for (int i = 0; i < entries.length; i++) {
        if (PLACEHOLDER.matcher(entries[i]).matches()) {
          continue;
        }
        String k = entries[i].trim();
        if (k.chars().anyMatch(Character::isWhitespace)) {
          throw new IllegalArgumentException(
              key + ": entry " + i + " contains white space (give the bare key, no 'Bearer')");
        }
        keys.add(new ApiKey(account + "#" + i, k));
      }
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException(
          key
              + ": provider account "
              + account
              + " has no API key; set "
              + key
              + " in the environment or name a file with "
              + key
              + ".file");
    }
    return keys;
  }

  private static AccountLimits limits(
      String prefix,
      Function<String, Optional<String>> setting,
      ModelCatalogue catalogue,
      Region region) {
    AccountLimits limits = AccountLimits.defaults(catalogue, region);
    Optional<Double> queryRate = positiveDecimal(prefix + "query-rate", setting);
    if (queryRate.isPresent()) {
      limits = limits.withQueryRate(queryRate.get());
    }
    Optional<Integer> ahead =
        wholeNumber(prefix + "queue-ahead", setting, 0, AccountLimits.MAX_QUEUE_AHEAD);
    if (ahead.isPresent()) {
      limits = limits.withQueueAhead(ahead.get());
    }
    for (ModelSpec spec : catalogue.all()) {
      String model = prefix + "model." + spec.id() + ".";
      Optional<Double> rate = positiveDecimal(model + "submit-rate", setting);
      Optional<Integer> cap = positiveInteger(model + "max-in-progress", setting);
      if (rate.isPresent() || cap.isPresent()) {
        AccountLimits.ModelLimits d = limits.of(spec.id());
        limits =
            limits.with(
                spec.id(),
                new AccountLimits.ModelLimits(
                    rate.orElse(d.submitRate()), cap.orElse(d.maxInProgress())));
      }
    }
    return limits;
  }

  private static Optional<Double> positiveDecimal(
      String key, Function<String, Optional<String>> setting) {
    Optional<String> text = setting.apply(key).map(String::trim).filter(s -> !s.isEmpty());
    if (text.isEmpty()) {
      return Optional.empty();
    }
    double v;
    try {
      v = Double.parseDouble(text.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          key + ": expected a number, got '" + Phrases.echo(text.get()) + "'");
    }
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(key + ": must be positive, got " + text.get());
    }
    return Optional.of(v);
  }

  private static Optional<Integer> positiveInteger(
      String key, Function<String, Optional<String>> setting) {
    return wholeNumber(key, setting, 1, Integer.MAX_VALUE);
  }

  /** The whole number at {@code key}, within {@code min..max}; empty when not set. */
  private static Optional<Integer> wholeNumber(
      String key, Function<String, Optional<String>> setting, int min, int max) {
    Optional<String> text = setting.apply(key).map(String::trim).filter(s -> !s.isEmpty());
    if (text.isEmpty()) {
      return Optional.empty();
    }
    int v;
    try {
      v = Integer.parseInt(text.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          key + ": expected a whole number, got '" + Phrases.echo(text.get()) + "'");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(
          key
              + (max == Integer.MAX_VALUE
                  ? ": must be at least " + min
                  : ": must be within " + min + ".." + max)
              + ", got "
              + v);
    }
    return Optional.of(v);
  }

  private static Map<Region, URI> dashScopeHosts() {
    Map<Region, URI> m = new EnumMap<>(Region.class);
    m.put(Region.CN, URI.create("https://dashscope.aliyuncs.com"));
    m.put(Region.INTL, URI.create("https://dashscope-intl.aliyuncs.com"));
    m.put(Region.US, URI.create("https://dashscope-us.aliyuncs.com"));
    return Collections.unmodifiableMap(m);
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
