package io.wanpipeline.wan.catalogue;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A DashScope region; model, host and API key must all belong to the same one. */
public enum Region {
  /** China (Beijing), {@code dashscope.aliyuncs.com}. */
  CN("cn", "China (Beijing)", List.of("beijing", "cn-beijing", "china")),
  /** Singapore, {@code dashscope-intl.aliyuncs.com}. */
  INTL("intl", "Singapore", List.of("singapore", "ap-southeast-1", "sg")),
  /** US (Virginia), {@code dashscope-us.aliyuncs.com}. */
  US("us", "US (Virginia)", List.of("virginia", "us-east-1")),
  /** Germany (Frankfurt), workspace-scoped host only. */
  EU("eu", "Germany (Frankfurt)", List.of("frankfurt", "eu-central-1", "germany"));

  private final String code;
  private final String displayName;
  private final List<String> aliases;

  Region(String code, String displayName, List<String> aliases) {
    this.code = code;
    this.displayName = displayName;
    this.aliases = aliases;
  }

  /** The short code used in configuration and in the catalogue data: cn, intl, us or eu. */
  public String code() {
    return code;
  }

  /** A name for people, for example {@code China (Beijing)}. */
  public String displayName() {
    return displayName;
  }

  /** Parses a code or a common alias ({@code beijing}, {@code ap-southeast-1}, ...), any case. */
  public static Optional<Region> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (Region r : values()) {
      if (r.code.equals(v) || r.aliases.contains(v)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
