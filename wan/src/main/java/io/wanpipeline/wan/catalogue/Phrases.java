package io.wanpipeline.wan.catalogue;

import java.util.List;

/** Joins values into phrases for messages a person reads. */
public final class Phrases {
  private static final int MAX_ECHO = 64;

  private Phrases() {}

  /** {@code a}, {@code a and b}, {@code a, b and c}. */
  public static String andList(List<String> items) {
    return join(items, " and ");
  }

  /** {@code a}, {@code a or b}, {@code a, b or c}. */
  public static String orList(List<String> items) {
    return join(items, " or ");
  }

  /**
   * A caller-supplied value made safe to repeat in a message: at most 64 characters, control
   * characters replaced. Never use it for URLs, whose query strings may be secrets.
   */
  public static String echo(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder();
    value
        .codePoints()
        .limit(MAX_ECHO)
        .forEach(cp -> sb.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
    return value.codePointCount(0, value.length()) > MAX_ECHO ? sb + "..." : sb.toString();
  }

  private static String join(List<String> items, String last) {
    if (items.isEmpty()) {
      return "";
    }
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1))
        + last
        + items.get(items.size() - 1);
  }
}
