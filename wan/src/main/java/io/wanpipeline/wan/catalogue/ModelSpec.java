package io.wanpipeline.wan.catalogue;

import io.wanpipeline.wan.GenerationRequest;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one provider model accepts and how it is served (docs/protocol.md sections 1.4, 1.9 and 2).
 * Loaded from the catalogue data file; see {@link ModelCatalogue#standard()}.
 *
 * @param id provider model id, for example {@code wan2.2-i2v-flash}
 * @param family model generation
 * @param task what the model generates from what
 * @param endpoint the create-task path
 * @param protocol named input fields or the {@code input.media} array
 * @param parameterStyle how the output resolution is requested
 * @param tiers accepted {@code parameters.resolution} tiers, lowest first (for {@link
 *     ParameterStyle#SIZE}: the tiers of the accepted sizes; for {@link ParameterStyle#NONE}:
 *     empty)
 * @param sizes accepted {@code parameters.size} strings ({@link ParameterStyle#SIZE} only, else
 *     empty)
 * @param ratios accepted {@code parameters.ratio} values ({@link ParameterStyle#RESOLUTION_RATIO}
 *     only, else empty)
 * @param defaultTier the tier produced when the request names none (for {@link ParameterStyle#NONE}
 *     a nominal tier for pricing)
 * @param defaultSize the size produced when none is named ({@link ParameterStyle#SIZE} only, else
 *     null)
 * @param defaultRatio the ratio used when none is named, or null when it follows the input
 * @param duration accepted {@code parameters.duration} values
 * @param promptLimit characters (code points) of {@code input.prompt} the provider uses; the
 *     provider truncates longer prompts, the pipeline's validator refuses them
 * @param cjkPromptLimit the same for prompts containing CJK characters (HappyHorse: 2500)
 * @param negativePromptLimit characters of {@code input.negative_prompt} the provider uses
 * @param inputs accepted and required input fields
 * @param takesAudio whether {@code parameters.audio} (auto-dubbing on/off) means anything
 * @param takesShotType whether {@code parameters.shot_type} (single|multi) means anything
 * @param audioAffectsPrice whether the unit price depends on {@code parameters.audio}
 * @param modes the service modes of {@code parameters.mode} (the animate models' {@code wan-std}
 *     and {@code wan-pro}), or empty: a model with modes requires one, and is priced by it rather
 *     than by resolution ({@link #priceTierOf})
 * @param limits default provider limits in each region where the model is offered
 */
public record ModelSpec(
    String id,
    Family family,
    TaskKind task,
    Endpoint endpoint,
    RequestProtocol protocol,
    ParameterStyle parameterStyle,
    List<String> tiers,
    List<String> sizes,
    List<String> ratios,
    String defaultTier,
    String defaultSize,
    String defaultRatio,
    DurationRule duration,
    int promptLimit,
    int cjkPromptLimit,
    int negativePromptLimit,
    InputRules inputs,
    boolean takesAudio,
    boolean takesShotType,
    boolean audioAffectsPrice,
    List<String> modes,
    Map<Region, ProviderLimits> limits) {

  /** The wire name of the service-mode parameter, carried in {@code parameters.extra}. */
  public static final String MODE = "mode";

  /** Shot types of {@code parameters.shot_type}. */
  public static final List<String> SHOT_TYPES = List.of("single", "multi");

  public ModelSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(parameterStyle, "parameterStyle");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(inputs, "inputs");
    tiers = List.copyOf(tiers);
    modes = List.copyOf(modes);
    sizes = List.copyOf(sizes);
    ratios = List.copyOf(ratios);
    EnumMap<Region, ProviderLimits> l = new EnumMap<>(Region.class);
    l.putAll(limits);
    limits = Collections.unmodifiableMap(l);
    check(!limits.isEmpty(), id, "is offered in no region");
    check(tiers.stream().allMatch(Tiers::isTier), id, "has an unknown tier in " + tiers);
    check(Tiers.isTier(defaultTier), id, "has no valid default tier");
    check(
        parameterStyle == ParameterStyle.NONE || tiers.contains(defaultTier),
        id,
        "default tier " + defaultTier + " is not among " + tiers);
    check(
        (parameterStyle == ParameterStyle.SIZE) == !sizes.isEmpty(),
        id,
        "lists sizes iff its parameter style is SIZE");
    check(
        parameterStyle != ParameterStyle.SIZE || sizes.contains(defaultSize),
        id,
        "default size " + defaultSize + " is not among " + sizes);
    check(
        parameterStyle != ParameterStyle.SIZE
            || Tiers.ofSize(defaultSize).orElseThrow().equals(defaultTier),
        id,
        "default size " + defaultSize + " is not of the default tier " + defaultTier);
    check(
        (parameterStyle == ParameterStyle.RESOLUTION_RATIO) == !ratios.isEmpty(),
        id,
        "lists ratios iff its parameter style is RESOLUTION_RATIO");
    check(
        defaultRatio == null || ratios.contains(defaultRatio),
        id,
        "default ratio " + defaultRatio + " is not among " + ratios);
    check(
        (protocol == RequestProtocol.MEDIA) == inputs.accepts(InputField.MEDIA)
            || task == TaskKind.T2V,
        id,
        "takes input.media iff it uses the media protocol");
    check(promptLimit > 0 && cjkPromptLimit > 0 && negativePromptLimit > 0, id, "bad limits");
    check(
        modes.isEmpty() || parameterStyle == ParameterStyle.NONE,
        id,
        "is priced by service mode, so it cannot also be asked for a resolution");
  }

  /** Whether the model is priced by its service mode ({@code parameters.mode}). */
  public boolean pricedByMode() {
    return !modes.isEmpty();
  }

  /** The {@code parameters.mode} of {@code request}, trimmed, or null when none is given. */
  public static String modeOf(GenerationRequest request) {
    Object mode = request.parameters().extra().get(MODE);
    if (mode == null || mode.toString().isBlank()) {
      return null;
    }
    return mode.toString().trim();
  }

  /**
   * The tier the request is priced at: its service mode in upper case ({@code WAN-STD}) for a model
   * {@link #pricedByMode() priced by mode} (null when the request names none), else its resolution
   * tier ({@link #tierOf}).
   */
  public String priceTierOf(GenerationRequest request) {
    if (!pricedByMode()) {
      return tierOf(request);
    }
    String mode = modeOf(request);
    return mode == null ? null : mode.toUpperCase(Locale.ROOT);
  }

  private static void check(boolean ok, String id, String problem) {
    if (!ok) {
      throw new IllegalArgumentException("model " + id + " " + problem);
    }
  }

  /** The regions where the model is offered. */
  public Set<Region> regions() {
    return limits.keySet();
  }

  /** Whether the model is offered in {@code region}. */
  public boolean availableIn(Region region) {
    return limits.containsKey(region);
  }

  /** The default provider limits in {@code region}, or empty where the model is not offered. */
  public Optional<ProviderLimits> limitsIn(Region region) {
    return Optional.ofNullable(limits.get(region));
  }

  /**
   * The tier the request will be produced at: for {@link ParameterStyle#SIZE} models the tier of
   * {@code parameters.size}, else {@code parameters.resolution}; failing that the other of the two
   * (gateways translate one into the other); failing that the model default. A requested tier is
   * returned even when the model does not support it (validation reports that).
   */
  public String tierOf(GenerationRequest request) {
    GenerationRequest.Parameters p = request.parameters();
    Optional<String> fromResolution =
        Optional.ofNullable(p.resolution()).map(String::trim).filter(Tiers::isTier);
    Optional<String> fromSize = Tiers.ofSize(p.size());
    Optional<String> first = parameterStyle == ParameterStyle.SIZE ? fromSize : fromResolution;
    Optional<String> second = parameterStyle == ParameterStyle.SIZE ? fromResolution : fromSize;
    if (parameterStyle == ParameterStyle.NONE) {
      return defaultTier;
    }
    return first.or(() -> second).orElse(defaultTier);
  }

  /**
   * {@code request} with the tier it will be made at stated explicitly: a resolution-style model
   * without {@code parameters.resolution} gets its default tier, a size-style model without {@code
   * parameters.size} its default size. Gateways have defaults of their own (MuleRouter makes 720P
   * when none is given, docs/protocol.md 5.4), so a request sent without them could be made at
   * another tier than the one billed; with them, every dialect makes the tier {@link
   * #tierOf(GenerationRequest)} bills.
   */
  public GenerationRequest withTierStated(GenerationRequest request) {
    GenerationRequest.Parameters p = request.parameters();
    boolean noResolution = p.resolution() == null || p.resolution().isBlank();
    boolean noSize = p.size() == null || p.size().isBlank();
    String resolution = p.resolution();
    String size = p.size();
    if ((parameterStyle == ParameterStyle.RESOLUTION
            || parameterStyle == ParameterStyle.RESOLUTION_RATIO)
        && noResolution) {
      resolution = defaultTier;
    } else if (parameterStyle == ParameterStyle.SIZE && noSize) {
      size = defaultSize;
    } else {
      return request;
    }
    return new GenerationRequest(
        request.model(),
        request.input(),
        new GenerationRequest.Parameters(
            resolution,
            size,
            p.ratio(),
            p.duration(),
            p.promptExtend(),
            p.watermark(),
            p.audio(),
            p.seed(),
            p.shotType(),
            p.extra()));
  }

  /**
   * The output length in whole seconds the request asks for: {@code parameters.duration} when the
   * model takes it and it is positive, else {@link DurationRule#defaultSeconds()} (the provider's
   * default, or a nominal length where the output follows an input).
   */
  public int durationOf(GenerationRequest request) {
    Integer d = request.parameters().duration();
    if (duration.takesParameter() && d != null && d > 0) {
      return d;
    }
    return duration.defaultSeconds();
  }

  /** Whether the model takes {@code parameters.ratio} at all. */
  public boolean takesRatio() {
    return !ratios.isEmpty();
  }

  /**
   * The part of {@code prompt} the provider uses: at most {@link #promptLimit()} code points (or
   * {@link #cjkPromptLimit()} when the prompt contains CJK characters). Null stays null.
   */
  public String effectivePrompt(String prompt) {
    if (prompt == null) {
      return null;
    }
    return truncate(prompt, containsCjk(prompt) ? cjkPromptLimit : promptLimit);
  }

  /** The part of {@code negativePrompt} the provider uses. Null stays null. */
  public String effectiveNegativePrompt(String negativePrompt) {
    return negativePrompt == null ? null : truncate(negativePrompt, negativePromptLimit);
  }

  /** True when the provider will cut {@code prompt} short. */
  public boolean truncatesPrompt(String prompt) {
    return prompt != null && !effectivePrompt(prompt).equals(prompt);
  }

  private static String truncate(String s, int maxCodePoints) {
    if (s.codePointCount(0, s.length()) <= maxCodePoints) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, maxCodePoints));
  }

  private static boolean containsCjk(String s) {
    return s.codePoints()
        .anyMatch(
            cp -> {
              Character.UnicodeScript script = Character.UnicodeScript.of(cp);
              return script == Character.UnicodeScript.HAN
                  || script == Character.UnicodeScript.HIRAGANA
                  || script == Character.UnicodeScript.KATAKANA
                  || script == Character.UnicodeScript.HANGUL;
            });
  }
}
