package io.wanpipeline.wan.catalogue;

import java.util.List;
import java.util.Objects;

/**
 * Which output lengths (whole seconds, {@code parameters.duration}) a model accepts.
 *
 * @param kind the shape of the rule
 * @param values the accepted values for {@link Kind#FIXED} and {@link Kind#ONE_OF}, ascending;
 *     empty otherwise
 * @param min smallest accepted value (for {@link Kind#FOLLOWS_INPUT}: 0)
 * @param max largest accepted value (for {@link Kind#FOLLOWS_INPUT}: the longest output the input
 *     allows, from docs/protocol.md section 2, or 0 when unknown)
 * @param defaultSeconds the length assumed when {@code duration} is unset: the provider's default,
 *     or, where the output follows an input of unknown length, a nominal length
 * @param follows what the output length follows when {@code duration} is unset or 0 (for example
 *     {@code input.audio_url}), or null when the model always makes the requested length
 */
public record DurationRule(
    Kind kind, List<Integer> values, int min, int max, int defaultSeconds, String follows) {

  /** The shape of a duration rule. */
  public enum Kind {
    /** Exactly one value. */
    FIXED,
    /** One of a few values. */
    ONE_OF,
    /** Any whole number in an inclusive range. */
    RANGE,
    /** No duration parameter: the output is as long as an input (audio or video). */
    FOLLOWS_INPUT
  }

  public DurationRule {
    Objects.requireNonNull(kind, "kind");
    values = values == null ? List.of() : values.stream().sorted().distinct().toList();
    switch (kind) {
      case FIXED, ONE_OF -> {
        if (values.isEmpty() || (kind == Kind.FIXED && values.size() != 1)) {
          throw new IllegalArgumentException(kind + " duration needs values, got " + values);
        }
        min = values.get(0);
        max = values.get(values.size() - 1);
      }
      case RANGE -> {
        if (!values.isEmpty() || min < 1 || max < min) {
          throw new IllegalArgumentException("bad duration range " + min + ".." + max);
        }
      }
      case FOLLOWS_INPUT -> {
        Objects.requireNonNull(follows, "follows");
        values = List.of();
        min = 0;
        if (max < 0) {
          throw new IllegalArgumentException("negative maximum duration " + max);
        }
      }
    }
    if (defaultSeconds < 1) {
      throw new IllegalArgumentException("defaultSeconds must be positive: " + defaultSeconds);
    }
    boolean defaultAccepted =
        switch (kind) {
          case FIXED, ONE_OF -> values.contains(defaultSeconds);
          case RANGE -> defaultSeconds >= min && defaultSeconds <= max;
          case FOLLOWS_INPUT -> true;
        };
    if (!defaultAccepted && follows == null) {
      throw new IllegalArgumentException(
          "default duration " + defaultSeconds + " is outside the rule " + kind + " " + values);
    }
  }

  /** Exactly {@code seconds}. */
  public static DurationRule fixed(int seconds) {
    return new DurationRule(Kind.FIXED, List.of(seconds), 0, 0, seconds, null);
  }

  /** One of {@code values}; {@code defaultSeconds} when unset. */
  public static DurationRule oneOf(List<Integer> values, int defaultSeconds) {
    return new DurationRule(Kind.ONE_OF, values, 0, 0, defaultSeconds, null);
  }

  /** {@code min} to {@code max} inclusive; {@code defaultSeconds} when unset. */
  public static DurationRule range(int min, int max, int defaultSeconds) {
    return new DurationRule(Kind.RANGE, List.of(), min, max, defaultSeconds, null);
  }

  /** As long as {@code follows}; {@code nominalSeconds} is assumed where a length is needed. */
  public static DurationRule followsInput(String follows, int nominalSeconds) {
    return followsInput(follows, nominalSeconds, 0);
  }

  /**
   * As long as {@code follows}, at most {@code maxSeconds} (0 when unknown); {@code nominalSeconds}
   * is assumed where a length is needed.
   */
  public static DurationRule followsInput(String follows, int nominalSeconds, int maxSeconds) {
    return new DurationRule(Kind.FOLLOWS_INPUT, List.of(), 0, maxSeconds, nominalSeconds, follows);
  }

  /** This rule, where 0 (and an unset duration) means "as long as {@code follows}". */
  public DurationRule zeroFollows(String what) {
    return new DurationRule(kind, values, min, max, defaultSeconds, what);
  }

  /** False when the model has no duration parameter (a given value is ignored). */
  public boolean takesParameter() {
    return kind != Kind.FOLLOWS_INPUT;
  }

  /** True when the output length follows an input when {@code duration} is unset or 0. */
  public boolean followsInput() {
    return follows != null;
  }

  /** Whether the model accepts {@code seconds} as {@code parameters.duration}. */
  public boolean accepts(int seconds) {
    if (seconds == 0 && follows != null) {
      return true;
    }
    return switch (kind) {
      case FIXED, ONE_OF -> values.contains(seconds);
      case RANGE -> seconds >= min && seconds <= max;
      case FOLLOWS_INPUT -> false;
    };
  }

  /**
   * The accepted values for a person, without unit and without the "0 follows the input" option:
   * {@code 5}, {@code 5 or 10}, {@code 5, 10 or 15}, {@code 2 to 15}, {@code the length of
   * input.audio_url}.
   */
  public String description() {
    return switch (kind) {
      case FIXED, ONE_OF -> Phrases.orList(values.stream().map(String::valueOf).toList());
      case RANGE -> min + " to " + max;
      case FOLLOWS_INPUT -> "the length of " + follows;
    };
  }

  /**
   * The full rule for messages: {@code 5 seconds}, {@code 2 to 10 seconds, or 0 to follow the input
   * video}, {@code the length of input.audio_url}.
   */
  public String secondsPhrase() {
    if (kind == Kind.FOLLOWS_INPUT) {
      return description();
    }
    String base = description() + " seconds";
    return follows == null ? base : base + ", or 0 to follow " + follows;
  }
}
