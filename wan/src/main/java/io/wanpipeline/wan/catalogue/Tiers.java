package io.wanpipeline.wan.catalogue;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The output resolution tiers and how a {@code W*H} size maps onto them. */
public final class Tiers {
  /** 480P: short side 480 to 719 px. */
  public static final String P480 = "480P";

  /** 720P: short side 720 to 1079 px. */
  public static final String P720 = "720P";

  /** 1080P: short side 1080 px or more. */
  public static final String P1080 = "1080P";

  /** All tiers, lowest first. */
  public static final List<String> ALL = List.of(P480, P720, P1080);

  private static final Pattern SIZE = Pattern.compile("([1-9][0-9]{1,4})\\*([1-9][0-9]{1,4})");

  private Tiers() {}

  /** True for exactly {@code 480P}, {@code 720P} or {@code 1080P}. */
  public static boolean isTier(String value) {
    return ALL.contains(value);
  }

  /**
   * The tier of a {@code W*H} size by its shorter side (reproduces the size table of
   * docs/protocol.md section 2, for example 624*624 is 480P and 1088*832 is 720P), or empty when
   * the value is not a size.
   */
  public static Optional<String> ofSize(String size) {
    if (size == null) {
      return Optional.empty();
    }
    Matcher m = SIZE.matcher(size.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    int shortSide = Math.min(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    if (shortSide >= 1080) {
      return Optional.of(P1080);
    }
    return Optional.of(shortSide >= 720 ? P720 : P480);
  }
}
