package io.wanpipeline.wan.catalogue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which {@code input.media} items a media-protocol model accepts.
 *
 * @param types the accepted {@code media[].type} values, in the order messages list them
 * @param combinations when not empty, the set of types present must equal one of these (each type
 *     then appears at most once); wan2.7-i2v: f, f+audio, f+last, f+last+audio, clip, clip+last
 * @param perType how many items of a type are allowed; a type not listed may appear any number of
 *     times
 * @param totalTypes the types counted by {@code total}; empty when there is no total limit
 * @param total how many items of {@code totalTypes} together are allowed
 * @param durationCaps the longest {@code parameters.duration} allowed when an item of the type is
 *     present (wan2.7-r2v: 10 s with a {@code reference_video})
 */
public record MediaRules(
    List<String> types,
    List<List<String>> combinations,
    Map<String, Count> perType,
    List<String> totalTypes,
    Count total,
    Map<String, Integer> durationCaps) {

  /** No media accepted. */
  public static final MediaRules NONE =
      new MediaRules(List.of(), List.of(), Map.of(), List.of(), null, Map.of());

  /**
   * An inclusive range of item counts.
   *
   * @param min fewest items
   * @param max most items
   */
  public record Count(int min, int max) {
    public Count {
      if (min < 0 || max < min) {
        throw new IllegalArgumentException("bad count range " + min + ".." + max);
      }
    }

    /** Whether {@code n} items are allowed. */
    public boolean allows(int n) {
      return n >= min && n <= max;
    }

    /** {@code exactly 1}, {@code at most 3}, {@code 1 to 5}, {@code at least 1}. */
    public String description() {
      if (min == max) {
        return "exactly " + min;
      }
      if (min == 0) {
        return "at most " + max;
      }
      return max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
    }
  }

  public MediaRules {
    types = List.copyOf(types);
    List<List<String>> combos = new ArrayList<>();
    for (List<String> c : combinations) {
      if (!types.containsAll(c) || Set.copyOf(c).size() != c.size()) {
        throw new IllegalArgumentException("bad media combination " + c + " for types " + types);
      }
      combos.add(List.copyOf(c));
    }
    combinations = List.copyOf(combos);
    perType = Map.copyOf(perType);
    if (!types.containsAll(perType.keySet())) {
      throw new IllegalArgumentException("counts for unknown media types " + perType.keySet());
    }
    totalTypes = List.copyOf(totalTypes);
    if (!totalTypes.isEmpty()) {
      Objects.requireNonNull(total, "total");
    }
    durationCaps = Map.copyOf(durationCaps);
  }

  /** True when the model takes no media at all. */
  public boolean none() {
    return types.isEmpty();
  }

  /** The combinations as phrases ({@code first_frame+driving_audio}), in data order. */
  public List<String> combinationPhrases() {
    return combinations.stream().map(c -> String.join("+", c)).toList();
  }

  /** Per-type counts in the order of {@link #types()}. */
  public Map<String, Count> perTypeOrdered() {
    Map<String, Count> m = new LinkedHashMap<>();
    for (String t : types) {
      if (perType.containsKey(t)) {
        m.put(t, perType.get(t));
      }
    }
    return m;
  }
}
