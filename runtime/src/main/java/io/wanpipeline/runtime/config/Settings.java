package io.wanpipeline.runtime.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Raw configuration of one process: a properties file overlaid by environment variables. Key {@code
 * a.b-c} is overridden by {@code WAN_PIPELINE_A_B_C}. Services turn this into their typed,
 * validated config once, in {@code main}; nothing else reads the environment.
 *
 * <p>Secrets are read with {@link #secret(String)}: from the variable, or from the file named by
 * {@code <key>.file} / {@code WAN_PIPELINE_<KEY>_FILE}; never from the command line.
 */
public final class Settings {
  /** Prefix of environment variables that override keys. */
  public static final String ENV_PREFIX = "WAN_PIPELINE_";

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kKmMgG]i?[bB]?|[bB])?");

  private final Map<String, String> values;
  private final Map<String, String> env;

  private Settings(Map<String, String> values, Map<String, String> env) {
    this.values = Map.copyOf(values);
    this.env = Map.copyOf(env);
  }

  /** Settings from explicit values, with no environment; for tests and embedding. */
  public static Settings of(Map<String, String> values) {
    return new Settings(values, Map.of());
  }

  /** Settings from explicit values overlaid by {@code env} (normally {@code System.getenv()}). */
  public static Settings of(Map<String, String> values, Map<String, String> env) {
    return new Settings(values, env);
  }

  /** Reads {@code file} (if not null) and overlays {@code env}. */
  public static Settings load(Path file, Map<String, String> env) {
    Map<String, String> values = new HashMap<>();
    if (file != null) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new ConfigException("cannot read configuration file " + file + ": " + e, e);
      }
      properties.stringPropertyNames().forEach(k -> values.put(k, properties.getProperty(k)));
    }
    return new Settings(values, env);
  }

  /**
   * A copy with {@code overrides} replacing file values; the environment still wins, always (the
   * local stack builds its services' settings this way).
   */
  public Settings with(Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(values);
    merged.putAll(overrides);
    return new Settings(merged, env);
  }

  /** The environment variable that overrides {@code key}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[.\\-]", "_");
  }

  /** The raw value of {@code key}, if set. */
  public Optional<String> find(String key) {
    String fromEnv = env.get(envName(key));
    if (fromEnv != null) {
      return Optional.of(fromEnv.trim());
    }
    String value = values.get(key);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /** A required string. */
  public String string(String key) {
    return find(key).orElseThrow(() -> missing(key));
  }

  /** An optional string with a default. */
  public String string(String key, String defaultValue) {
    return find(key).orElse(defaultValue);
  }

  /** An integer with a default. */
  public int integer(String key, int defaultValue) {
    return find(key).map(v -> parse(key, v, Integer::parseInt, "an integer")).orElse(defaultValue);
  }

  /** A long with a default. */
  public long longValue(String key, long defaultValue) {
    return find(key).map(v -> parse(key, v, Long::parseLong, "an integer")).orElse(defaultValue);
  }

  /** A boolean ({@code true}/{@code false}) with a default. */
  public boolean bool(String key, boolean defaultValue) {
    return find(key)
        .map(
            v -> {
              if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(v);
              }
              throw new ConfigException(key + ": expected true or false, got '" + v + "'");
            })
        .orElse(defaultValue);
  }

  /** A duration such as {@code 500ms}, {@code 5s}, {@code 20m}, {@code 24h} or ISO {@code PT5S}. */
  public Duration duration(String key, Duration defaultValue) {
    return find(key).map(v -> parseDuration(key, v)).orElse(defaultValue);
  }

  /** A URI. */
  public URI uri(String key) {
    return parse(key, string(key), URI::create, "a URI");
  }

  /** A byte size such as {@code 8MiB}, {@code 512k}, {@code 2g} or a plain number of bytes. */
  public long bytes(String key, long defaultValue) {
    return find(key).map(v -> parseBytes(key, v)).orElse(defaultValue);
  }

  /**
   * A secret: {@code WAN_PIPELINE_<KEY>}, else the contents of the file named by {@code
   * <key>.file}, else the properties value. Never logged; errors name only the key.
   */
  public Optional<String> secret(String key) {
    Optional<String> direct = Optional.ofNullable(env.get(envName(key))).map(String::trim);
    if (direct.isPresent()) {
      return direct;
    }
    Optional<String> file = find(key + ".file");
    if (file.isPresent()) {
      try {
        return Optional.of(Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).trim());
      } catch (IOException e) {
        throw new ConfigException(
            key + ".file: cannot read the secret file " + file.get() + ": " + e.getMessage(), e);
      }
    }
    return Optional.ofNullable(values.get(key)).map(String::trim).filter(s -> !s.isEmpty());
  }

  /**
   * Every key under {@code prefix} (file keys and matching environment variables), with the prefix
   * removed; for pass-through client settings such as {@code kafka.}.
   */
  public Map<String, String> withPrefix(String prefix) {
    Map<String, String> out = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          if (k.startsWith(prefix) && v != null && !v.isBlank()) {
            out.put(k.substring(prefix.length()), v.trim());
          }
        });
    String envPrefix = envName(prefix);
    env.forEach(
        (k, v) -> {
          if (k.startsWith(envPrefix) && k.length() > envPrefix.length()) {
            out.put(k.substring(envPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
          }
        });
    return out;
  }

  /**
   * Parses a duration the way every setting is read: {@code 500ms}, {@code 5s}, {@code 20m}, {@code
   * 24h}, {@code 7d} or ISO-8601 ({@code PT5S}); the command lines read their options with it too.
   *
   * @param key what the value is for, named in the error
   * @throws ConfigException naming {@code key} and the value when it is not a duration
   */
  public static Duration parseDuration(String key, String value) {
    String v = value.trim();
    if (v.startsWith("P") || v.startsWith("p")) {
      return parse(key, v, Duration::parse, "a duration");
    }
    Matcher m = DURATION.matcher(v.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new ConfigException(
          key + ": expected a duration like 500ms, 5s, 20m, 24h or PT5S, got '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  static long parseBytes(String key, String value) {
    Matcher m = SIZE.matcher(value.trim());
    if (!m.matches()) {
      throw new ConfigException(
          key + ": expected a size like 8MiB, 512k or 2g, got '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    return switch (unit.isEmpty() ? 'b' : unit.charAt(0)) {
      case 'k' -> n << 10;
      case 'm' -> n << 20;
      case 'g' -> n << 30;
      default -> n;
    };
  }

  private static <T> T parse(
      String key, String value, java.util.function.Function<String, T> parser, String what) {
    try {
      return parser.apply(value);
    } catch (RuntimeException e) {
      throw new ConfigException(key + ": expected " + what + ", got '" + value + "'", e);
    }
  }

  private static ConfigException missing(String key) {
    return new ConfigException(
        "missing configuration key " + key + " (or environment variable " + envName(key) + ")");
  }
}
