package io.wanpipeline.infra.simulator;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One model as the provider serves it, a row of the simulator's own table ({@code
 * provider-models.json}, written from docs/protocol.md and the gateway documents).
 *
 * @param id the model id
 * @param createPath the native create path ({@code /api/v1/services/aigc/.../video-synthesis})
 * @param kind t2v, i2v, kf2v, s2v, animate, vace, r2v or edit
 * @param regions the region codes that list the id
 * @param reads which parameter sets the output resolution
 * @param tiers the resolution tiers offered
 * @param sizes the {@code W*H} sizes offered (those of {@code tiers}), for {@link Reads#SIZE}
 * @param defaultSize the size made when none is given, for {@link Reads#SIZE}; else null
 * @param defaultTier the tier made when none is given
 * @param ratios the {@code parameters.ratio} values taken; empty when the model reads no ratio
 * @param duration the duration rule
 * @param required wire fields the call is refused without ({@code input.prompt}, {@code
 *     parameters.mode}, ...)
 * @param functions the rules of each {@code input.function} value, for the models whose inputs
 *     depend on it (VACE); empty when the model reads no function
 * @param templates whether {@code input.template} is taken
 * @param audio whether {@code parameters.audio} is taken
 * @param shotType whether {@code parameters.shot_type} is taken
 * @param media the {@code input.media} rules, or null when the model takes no media
 * @param enumerated other parameters with their allowed values ({@code mode}, ...)
 * @param tierParameter the parameter whose value, in upper case, is the tier the task is made and
 *     billed at ({@code parameters.mode} of the models priced by mode); null when the tier is the
 *     resolution
 * @param usageFields the only {@code usage} fields the model's answers carry, whatever the usage
 *     style; empty when the style decides
 * @param promptLimit characters kept of the prompt (the rest is truncated, not refused)
 * @param rps task submissions per second per account
 * @param concurrent tasks in progress per account
 */
record ProviderModel(
    String id,
    String createPath,
    String kind,
    Set<String> regions,
    Reads reads,
    List<String> tiers,
    List<String> sizes,
    String defaultSize,
    String defaultTier,
    List<String> ratios,
    DurationRule duration,
    List<String> required,
    Map<String, FunctionRule> functions,
    boolean templates,
    boolean audio,
    boolean shotType,
    MediaRule media,
    Map<String, List<String>> enumerated,
    String tierParameter,
    List<String> usageFields,
    int promptLimit,
    int rps,
    int concurrent) {

  /** Which parameter tells the model its output resolution. */
  enum Reads {
    /** {@code parameters.size}; a tier in {@code parameters.resolution} when no size is given. */
    SIZE,
    /** {@code parameters.resolution}, a tier. */
    RESOLUTION,
    /** Neither: the model has one nominal tier. */
    NONE
  }

  /**
   * How long the output is.
   *
   * @param fixed the only accepted value, or null
   * @param oneOf the accepted values, or empty
   * @param min the smallest accepted value of a range, or null
   * @param max the largest accepted value of a range, or null
   * @param byDefault the seconds made when none is given, or null when the input decides
   * @param followsInput the output is as long as an input; a given duration is ignored
   * @param zeroKeepsInput 0 or no duration keeps the input video's length
   */
  record DurationRule(
      Integer fixed,
      List<Integer> oneOf,
      Integer min,
      Integer max,
      Integer byDefault,
      boolean followsInput,
      boolean zeroKeepsInput) {

    /** Whether the provider takes {@code seconds} as the requested duration. */
    boolean accepts(int seconds) {
      if (followsInput) {
        return true;
      }
      if (zeroKeepsInput && seconds == 0) {
        return true;
      }
      if (fixed != null) {
        return seconds == fixed;
      }
      if (!oneOf.isEmpty()) {
        return oneOf.contains(seconds);
      }
      return min != null && max != null && seconds >= min && seconds <= max;
    }

    /** The accepted values in words, for a refusal. */
    String phrase() {
      if (fixed != null) {
        return "a fixed duration of " + fixed + " seconds";
      }
      if (!oneOf.isEmpty()) {
        return "durations of " + oneOf + " seconds";
      }
      return "durations of " + min + " to " + max + " seconds" + (zeroKeepsInput ? " or 0" : "");
    }
  }

  /**
   * The {@code input.media} rules.
   *
   * @param types the item types taken
   * @param combinations the allowed sets of types (each type at most once), or empty
   * @param counts per-type {@code [min, max]} counts, or empty
   * @param totalTypes types counted together against {@code totalMin..totalMax}, or empty
   * @param totalMin the least number of items of {@code totalTypes}
   * @param totalMax the most items of {@code totalTypes}
   * @param durationCaps the longest duration when an item of the type is present
   */
  record MediaRule(
      List<String> types,
      List<Set<String>> combinations,
      Map<String, List<Integer>> counts,
      List<String> totalTypes,
      int totalMin,
      int totalMax,
      Map<String, Integer> durationCaps) {}

  /**
   * What one {@code input.function} value needs. Fields are wire paths ({@code input.video_url},
   * {@code parameters.obj_or_bg}); a field not named here is ignored, as the provider tolerates
   * extra fields.
   *
   * @param required fields the call is refused without
   * @param anyOf fields of which at least one must be given; empty when there is no such rule
   * @param counts per array field {@code [min, max]} items, checked when given (and when required)
   * @param sameLength array fields that must have as many items as another array field
   * @param items per array field the values its items may take
   * @param itemCaps per array field, per item value, the most items of that value
   */
  record FunctionRule(
      List<String> required,
      List<String> anyOf,
      Map<String, List<Integer>> counts,
      Map<String, String> sameLength,
      Map<String, List<String>> items,
      Map<String, Map<String, Integer>> itemCaps) {}
}
