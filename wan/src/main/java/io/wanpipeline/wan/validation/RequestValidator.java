package io.wanpipeline.wan.validation;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.DurationRule;
import io.wanpipeline.wan.catalogue.InputField;
import io.wanpipeline.wan.catalogue.MediaRules;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.ParameterStyle;
import io.wanpipeline.wan.catalogue.Phrases;
import io.wanpipeline.wan.catalogue.Region;
import io.wanpipeline.wan.catalogue.TaskKind;
import io.wanpipeline.wan.catalogue.Tiers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds what makes a request certain to fail at the provider, or certain to be made or billed other
 * than asked, before it is submitted (a refused submission costs nothing but a submitted one is
 * never retried). It refuses unknown models, missing or foreign inputs, a resolution tier the model
 * does not offer (given as {@code resolution} or as {@code size}, whatever the model reads), sizes,
 * ratios, durations and media combinations the model does not take, unknown effect templates, seeds
 * out of range, URLs the provider cannot fetch, characters the provider cannot take (see {@link
 * TextCheck}), and lists and prompts over their limits ({@link RequestLimits}; a prompt over the
 * model's limit is refused rather than silently truncated by the provider, see {@link
 * ModelSpec#promptLimit()}). Parameters the provider ignores and that change neither the output nor
 * the price (a {@code size} next to a valid {@code resolution}, a {@code duration} sent to a model
 * whose length follows its input, {@code audio} or {@code shot_type} on models without them) are
 * not violations, so requests of the official SDK, which always sends them, pass.
 *
 * <p>Over 400 lines: one short check per provider rule, kept in one place so that a rule is found
 * beside its neighbours.
 */
public final class RequestValidator {

  /** The largest seed the provider accepts. */
  public static final long MAX_SEED = 2_147_483_647L;

  private final ModelCatalogue catalogue;

  /** A validator of requests against {@code catalogue}. */
  public RequestValidator(ModelCatalogue catalogue) {
    this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
  }

  /** The violations of {@code request}, in field order; empty when it may be submitted. */
  public List<Violation> validate(GenerationRequest request) {
    Objects.requireNonNull(request, "request");
    List<Violation> out = new ArrayList<>();
    Optional<ModelSpec> spec = checkModel(request.model(), out);
    checkText(request.input(), out);
    spec.ifPresent(s -> checkPromptLengths(s, request.input(), out));
    checkListSizes(request.input(), out);
    checkUrls(request.input(), out);
    spec.ifPresent(s -> checkInputs(s, request, out));
    spec.filter(s -> s.inputs().accepts(InputField.TEMPLATE))
        .ifPresent(s -> checkTemplate(request.input(), out));
    spec.ifPresent(s -> checkResolution(s, request.parameters(), out));
    spec.ifPresent(s -> checkDuration(s, request, out));
    checkSeed(request.parameters().seed(), out);
    spec.ifPresent(s -> checkShotType(s, request.parameters().shotType(), out));
    spec.filter(ModelSpec::pricedByMode).ifPresent(s -> checkMode(s, request, out));
    spec.filter(s -> s.task() == TaskKind.VACE).ifPresent(s -> VaceCheck.check(s, request, out));
    checkNumbers(request.parameters(), out);
    return List.copyOf(out);
  }

  /**
   * The violations of {@code request} when submitted in {@code region}: those of {@link
   * #validate(GenerationRequest)} plus a model not offered there and an effect template outside
   * Beijing.
   */
  public List<Violation> validate(GenerationRequest request, Region region) {
    Objects.requireNonNull(region, "region");
    List<Violation> out = new ArrayList<>(validate(request));
    Optional<ModelSpec> spec = catalogue.find(request.model());
    if (spec.isEmpty()) {
      return List.copyOf(out);
    }
    ModelSpec s = spec.get();
    if (!s.availableIn(region)) {
      out.add(0, Violation.of("model", notOffered(s, region)));
    } else if (region != Region.CN
        && s.inputs().accepts(InputField.TEMPLATE)
        && InputField.TEMPLATE.isPresent(request.input())) {
      out.add(
          Violation.of(
              InputField.TEMPLATE.path(),
              "video-effect templates are offered only in "
                  + regionName(Region.CN)
                  + ", not in "
                  + regionName(region)));
    }
    return List.copyOf(out);
  }

  /**
   * As {@link #validate(GenerationRequest, Region)}, with the region given by its code or alias
   * ({@code cn}, {@code intl}, {@code us}, {@code eu}, {@code beijing}, {@code singapore}, ...).
   *
   * @throws IllegalArgumentException for an unknown region (a configuration error)
   */
  public List<Violation> validate(GenerationRequest request, String region) {
    Region r =
        Region.parse(region)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "unknown region '"
                            + Phrases.echo(region)
                            + "'; known regions: "
                            + Stream.of(Region.values())
                                .map(Region::code)
                                .collect(Collectors.joining(", "))));
    return validate(request, r);
  }

  /** The messages of {@code violations} joined with "; ", for a REJECTED status reason. */
  public static String describe(List<Violation> violations) {
    return violations.stream().map(Violation::message).collect(Collectors.joining("; "));
  }

  private Optional<ModelSpec> checkModel(String model, List<Violation> out) {
    Optional<ModelSpec> spec = catalogue.find(model);
    if (spec.isEmpty()) {
      out.add(Violation.of("model", catalogue.unknownModelMessage(model)));
    }
    return spec;
  }

  private static void checkText(GenerationRequest.Input in, List<Violation> out) {
    text("input.prompt", in.prompt(), out);
    text("input.negative_prompt", in.negativePrompt(), out);
    text("input.template", in.template(), out);
    text(InputField.FUNCTION.path(), in.function(), out);
    List<GenerationRequest.MediaItem> media = in.media();
    for (int i = 0; i < media.size(); i++) {
      GenerationRequest.MediaItem item = media.get(i);
      if (item != null) {
        text("input.media[" + i + "].type", item.type(), out);
        text("input.media[" + i + "].reference_description", item.referenceDescription(), out);
      }
    }
  }

  private static void text(String field, String value, List<Violation> out) {
    TextCheck.problem(value).ifPresent(p -> out.add(Violation.of(field, p)));
  }

  /**
   * Prompts over the model's limit, counted as the provider counts them (code points; the CJK limit
   * when the prompt holds CJK characters). The provider would cut them short silently (wan-protocol
   * .md section 2), making a video the caller did not describe, so they are refused instead.
   */
  private static void checkPromptLengths(
      ModelSpec s, GenerationRequest.Input in, List<Violation> out) {
    String prompt = in.prompt();
    if (s.truncatesPrompt(prompt)) {
      int n = prompt.codePointCount(0, prompt.length());
      String kept = s.effectivePrompt(prompt);
      int limit = kept.codePointCount(0, kept.length());
      out.add(
          Violation.of(
              "input.prompt", "has " + n + " characters; " + s.id() + " takes at most " + limit));
    }
    String negative = in.negativePrompt();
    if (negative != null && !s.effectiveNegativePrompt(negative).equals(negative)) {
      out.add(
          Violation.of(
              "input.negative_prompt",
              "has "
                  + negative.codePointCount(0, negative.length())
                  + " characters; "
                  + s.id()
                  + " takes at most "
                  + s.negativePromptLimit()));
    }
  }

  private static void checkListSizes(GenerationRequest.Input in, List<Violation> out) {
    if (in.media().size() > RequestLimits.MAX_MEDIA_ITEMS) {
      out.add(
          Violation.of(
              "input.media",
              "has " + in.media().size() + " items, at most " + RequestLimits.MAX_MEDIA_ITEMS));
    }
    if (in.refImagesUrl().size() > RequestLimits.MAX_REFERENCE_URLS) {
      out.add(
          Violation.of(
              InputField.REF_IMAGES_URL.path(),
              "has "
                  + in.refImagesUrl().size()
                  + " URLs, at most "
                  + RequestLimits.MAX_REFERENCE_URLS));
    }
    if (in.referenceUrls().size() > RequestLimits.MAX_REFERENCE_URLS) {
      out.add(
          Violation.of(
              "input.reference_urls",
              "has "
                  + in.referenceUrls().size()
                  + " URLs, at most "
                  + RequestLimits.MAX_REFERENCE_URLS));
    }
  }

  private static void checkTemplate(GenerationRequest.Input in, List<Violation> out) {
    String template = in.template();
    if (template == null || template.isBlank() || TextCheck.problem(template).isPresent()) {
      return;
    }
    if (!RequestLimits.EFFECT_TEMPLATES.contains(template.trim())) {
      out.add(
          Violation.of(
              InputField.TEMPLATE.path(),
              "unknown video-effect template "
                  + Phrases.echo(template)
                  + "; known: "
                  + Phrases.andList(RequestLimits.EFFECT_TEMPLATES)));
    }
  }

  private static void checkUrls(GenerationRequest.Input input, List<Violation> out) {
    for (InputField f : InputField.values()) {
      List<String> urls = f.urls(input);
      for (int i = 0; i < urls.size(); i++) {
        String field =
            f == InputField.REFERENCE_URLS || f == InputField.REF_IMAGES_URL
                ? f.path() + "[" + i + "]"
                : f.path();
        String url = urls.get(i);
        if (url == null || url.isBlank()) {
          out.add(Violation.of(field, "must not be empty"));
        } else {
          UrlCheck.problem(url).ifPresent(p -> out.add(Violation.of(field, p)));
        }
      }
    }
    List<GenerationRequest.MediaItem> media = input.media();
    for (int i = 0; i < media.size(); i++) {
      GenerationRequest.MediaItem item = media.get(i);
      String prefix = "input.media[" + i + "]";
      if (item == null) {
        out.add(Violation.of(prefix, "must not be null"));
        continue;
      }
      if (item.url() == null || item.url().isBlank()) {
        out.add(Violation.of(prefix + ".url", "is required"));
      } else {
        UrlCheck.problem(item.url()).ifPresent(p -> out.add(Violation.of(prefix + ".url", p)));
      }
      if (item.referenceVoice() != null && !item.referenceVoice().isBlank()) {
        UrlCheck.problem(item.referenceVoice())
            .ifPresent(p -> out.add(Violation.of(prefix + ".reference_voice", p)));
      }
    }
  }

  private static void checkInputs(ModelSpec s, GenerationRequest r, List<Violation> out) {
    GenerationRequest.Input in = r.input();
    for (InputField f : InputField.values()) {
      boolean present = f.isPresent(in);
      if (present && !s.inputs().accepts(f)) {
        out.add(
            Violation.of(
                f.path(),
                s.id() + " does not take " + f.path() + "; it takes " + acceptedInputs(s)));
      } else if (!present && s.inputs().requires(f)) {
        String what = f == InputField.MEDIA ? " with " + mediaSummary(s.inputs().media()) : "";
        out.add(Violation.of(f.path(), s.id() + " requires " + f.path() + what));
      }
    }
    if (s.inputs().accepts(InputField.MEDIA) && !in.media().isEmpty()) {
      checkMedia(s, in.media(), out);
    }
  }

  /** A model priced by service mode needs one of its modes: it decides what is made and billed. */
  private static void checkMode(ModelSpec s, GenerationRequest r, List<Violation> out) {
    String field = "parameters." + ModelSpec.MODE;
    Object given = r.parameters().extra().get(ModelSpec.MODE);
    if (given == null || given.toString().isBlank()) {
      out.add(
          Violation.of(field, s.id() + " requires " + field + ": " + Phrases.orList(s.modes())));
    } else if (!s.modes().contains(given.toString())) {
      out.add(
          Violation.of(
              field,
              s.id()
                  + " takes "
                  + field
                  + " "
                  + Phrases.orList(s.modes())
                  + ", not "
                  + Phrases.echo(given.toString())));
    }
  }

  /**
   * Numbers the request passes through ({@code strength}, the outpainting scales, ...) must be
   * finite: JSON has no NaN or infinity, so the body could not even be written.
   */
  private static void checkNumbers(GenerationRequest.Parameters p, List<Violation> out) {
    p.extra().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              if (e.getValue() instanceof Double d && !Double.isFinite(d)
                  || e.getValue() instanceof Float f && !Float.isFinite(f)) {
                out.add(
                    Violation.of(
                        "parameters." + e.getKey(),
                        "must be a finite number, not " + e.getValue()));
              }
            });
  }

  private static void checkMedia(
      ModelSpec s, List<GenerationRequest.MediaItem> media, List<Violation> out) {
    MediaRules rules = s.inputs().media();
    Map<String, Integer> counts = new LinkedHashMap<>();
    boolean allKnown = true;
    for (int i = 0; i < media.size(); i++) {
      GenerationRequest.MediaItem item = media.get(i);
      if (item == null) {
        allKnown = false;
        continue;
      }
      String field = "input.media[" + i + "].type";
      String type = item.type() == null ? "" : item.type().trim();
      if (type.isEmpty()) {
        out.add(
            Violation.of(
                field, "is required; " + s.id() + " takes " + Phrases.orList(rules.types())));
        allKnown = false;
      } else if (!rules.types().contains(type)) {
        out.add(
            Violation.of(
                field,
                s.id()
                    + " takes media types "
                    + Phrases.andList(rules.types())
                    + ", not "
                    + Phrases.echo(type)));
        allKnown = false;
      } else {
        counts.merge(type, 1, Integer::sum);
      }
    }
    if (!rules.combinations().isEmpty() && allKnown) {
      checkCombination(s, rules, counts, out);
    }
    for (Map.Entry<String, MediaRules.Count> e : rules.perTypeOrdered().entrySet()) {
      int n = counts.getOrDefault(e.getKey(), 0);
      if (!e.getValue().allows(n)) {
        out.add(
            Violation.of(
                "input.media",
                s.id()
                    + " takes "
                    + e.getValue().description()
                    + " "
                    + e.getKey()
                    + " item"
                    + (e.getValue().max() == 1 ? "" : "s")
                    + ", not "
                    + n));
      }
    }
    if (!rules.totalTypes().isEmpty()) {
      int n = rules.totalTypes().stream().mapToInt(t -> counts.getOrDefault(t, 0)).sum();
      if (!rules.total().allows(n)) {
        out.add(
            Violation.of(
                "input.media",
                s.id()
                    + " takes "
                    + rules.total().description()
                    + " "
                    + Phrases.andList(rules.totalTypes())
                    + " items together, not "
                    + n));
      }
    }
  }

  private static void checkCombination(
      ModelSpec s, MediaRules rules, Map<String, Integer> counts, List<Violation> out) {
    boolean duplicates = false;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      if (e.getValue() > 1) {
        duplicates = true;
        out.add(
            Violation.of(
                "input.media",
                s.id() + " takes at most one " + e.getKey() + " item, not " + e.getValue()));
      }
    }
    if (duplicates) {
      return;
    }
    Set<String> given = counts.keySet();
    boolean allowed = rules.combinations().stream().anyMatch(c -> Set.copyOf(c).equals(given));
    if (!allowed) {
      String givenPhrase =
          given.stream()
              .sorted(Comparator.comparingInt(rules.types()::indexOf))
              .collect(Collectors.joining("+"));
      out.add(
          Violation.of(
              "input.media",
              s.id()
                  + " accepts the media combinations "
                  + Phrases.orList(rules.combinationPhrases())
                  + ", not "
                  + givenPhrase));
    }
  }

  private static void checkResolution(
      ModelSpec s, GenerationRequest.Parameters p, List<Violation> out) {
    String resolution = blankToNull(p.resolution());
    String size = blankToNull(p.size());
    String ratio = blankToNull(p.ratio());
    ParameterStyle style = s.parameterStyle();
    // A tier the model does not offer is refused whether or not a size is given: gateways read
    // resolution for size-style models too (docs/protocol.md 5.2, 5.4), so it would be made and
    // billed differently by dialect.
    if (style != ParameterStyle.NONE && resolution != null && !s.tiers().contains(resolution)) {
      out.add(
          Violation.of(
              "parameters.resolution",
              s.id()
                  + " supports "
                  + Phrases.andList(s.tiers())
                  + ", not "
                  + Phrases.echo(resolution)));
    }
    // The provider reads one of the two (docs/protocol.md 1.4 A and B): a size-style model makes
    // the tier of parameters.size (its default size when none is given) and ignores resolution; a
    // resolution-style model makes parameters.resolution (its default tier) and ignores size.
    // Gateways that report no usage bill the tier that was asked for, so a tier asked for in the
    // field the model ignores would be made and billed differently by dialect: refused.
    if (style == ParameterStyle.SIZE && resolution != null && s.tiers().contains(resolution)) {
      boolean sizeValid = size != null && s.sizes().contains(size);
      String made = Tiers.ofSize(sizeValid ? size : s.defaultSize()).orElse(s.defaultTier());
      if ((size == null || sizeValid) && !made.equals(resolution)) {
        out.add(
            Violation.of(
                "parameters.resolution",
                s.id()
                    + " makes the tier of parameters.size and ignores resolution; "
                    + (size == null
                        ? "with no size it makes " + s.defaultSize() + " (" + made + ")"
                        : "size " + size + " is " + made)
                    + ", not "
                    + resolution
                    + "; for "
                    + resolution
                    + " give one of the sizes "
                    + Phrases.orList(sizesOf(s, resolution))));
      }
    }
    if (style != ParameterStyle.SIZE && style != ParameterStyle.NONE && resolution == null) {
      Optional<String> sizeTier = Tiers.ofSize(size);
      if (sizeTier.isPresent() && !sizeTier.get().equals(s.defaultTier())) {
        out.add(
            Violation.of(
                "parameters.size",
                s.id()
                    + " makes the tier of parameters.resolution and ignores size; with no"
                    + " resolution it makes "
                    + s.defaultTier()
                    + ", not the "
                    + sizeTier.get()
                    + " of size "
                    + Phrases.echo(size)
                    + (s.tiers().contains(sizeTier.get())
                        ? "; give resolution " + sizeTier.get()
                        : "; it supports " + Phrases.andList(s.tiers()))));
      }
    }
    if (style == ParameterStyle.SIZE && size != null && !s.sizes().contains(size)) {
      out.add(
          Violation.of(
              "parameters.size",
              s.id()
                  + " supports the "
                  + Phrases.andList(s.tiers())
                  + " sizes "
                  + Phrases.andList(s.sizes())
                  + ", not "
                  + Phrases.echo(size)
                  + Tiers.ofSize(size).map(t -> " (" + t + ")").orElse("")));
    }
    if (ratio != null && !s.ratios().contains(ratio)) {
      String text;
      if (s.takesRatio()) {
        text = s.id() + " supports " + Phrases.andList(s.ratios()) + ", not " + Phrases.echo(ratio);
      } else if (style == ParameterStyle.SIZE) {
        text =
            s.id()
                + " takes no ratio; the aspect comes from parameters.size, not ratio "
                + Phrases.echo(ratio);
      } else {
        text =
            s.id()
                + " takes no ratio; the aspect follows the input, not ratio "
                + Phrases.echo(ratio);
      }
      out.add(Violation.of("parameters.ratio", text));
    }
  }

  private static List<String> sizesOf(ModelSpec s, String tier) {
    return s.sizes().stream().filter(x -> Tiers.ofSize(x).orElse("").equals(tier)).toList();
  }

  private static void checkDuration(ModelSpec s, GenerationRequest r, List<Violation> out) {
    DurationRule rule = s.duration();
    Integer d = r.parameters().duration();
    if (rule.takesParameter() && d != null && !rule.accepts(d)) {
      out.add(
          Violation.of(
              "parameters.duration", s.id() + " supports " + rule.secondsPhrase() + ", not " + d));
      return;
    }
    Map<String, Integer> caps = s.inputs().media().durationCaps();
    if (caps.isEmpty() || !rule.takesParameter()) {
      return;
    }
    int seconds = s.durationOf(r);
    Set<String> present = new LinkedHashSet<>();
    for (GenerationRequest.MediaItem item : r.input().media()) {
      if (item != null && item.type() != null) {
        present.add(item.type().trim());
      }
    }
    for (String type : s.inputs().media().types()) {
      Integer cap = caps.get(type);
      if (cap != null && present.contains(type) && seconds > cap) {
        out.add(
            Violation.of(
                "parameters.duration",
                s.id()
                    + " supports at most "
                    + cap
                    + " seconds with a "
                    + type
                    + ", not "
                    + seconds));
      }
    }
  }

  private static void checkSeed(Long seed, List<Violation> out) {
    if (seed != null && (seed < 0 || seed > MAX_SEED)) {
      out.add(
          Violation.of("parameters.seed", "must be between 0 and " + MAX_SEED + ", not " + seed));
    }
  }

  private static void checkShotType(ModelSpec s, String shotType, List<Violation> out) {
    String v = blankToNull(shotType);
    if (s.takesShotType() && v != null && !ModelSpec.SHOT_TYPES.contains(v)) {
      out.add(
          Violation.of(
              "parameters.shot_type",
              s.id()
                  + " supports "
                  + Phrases.orList(ModelSpec.SHOT_TYPES)
                  + ", not "
                  + Phrases.echo(v)));
    }
  }

  private static String acceptedInputs(ModelSpec s) {
    List<String> names = new ArrayList<>();
    for (InputField f : s.inputs().accepted()) {
      names.add(
          f == InputField.MEDIA
              ? f.path() + " (" + Phrases.orList(s.inputs().media().types()) + ")"
              : f.path());
    }
    return names.isEmpty() ? "no inputs it can be given here" : Phrases.andList(names);
  }

  private static String mediaSummary(MediaRules rules) {
    if (!rules.combinations().isEmpty()) {
      return "one of the combinations " + Phrases.orList(rules.combinationPhrases());
    }
    List<String> parts = new ArrayList<>();
    rules.perTypeOrdered().forEach((type, count) -> parts.add(count.description() + " " + type));
    if (!rules.totalTypes().isEmpty()) {
      parts.add(rules.total().description() + " of " + Phrases.orList(rules.totalTypes()));
    }
    return parts.isEmpty() ? "items of " + Phrases.orList(rules.types()) : Phrases.andList(parts);
  }

  private String notOffered(ModelSpec s, Region region) {
    String text =
        s.id()
            + " is not offered in "
            + regionName(region)
            + "; it is offered in "
            + Phrases.andList(s.regions().stream().map(RequestValidator::regionName).toList());
    List<String> alternatives =
        Stream.of(
                s.id().replace("wanx2.1-", "wan2.1-"),
                s.id().replace("wan2.1-", "wanx2.1-"),
                s.id() + "-us",
                s.id().endsWith("-us") ? s.id().substring(0, s.id().length() - 3) : s.id())
            .filter(id -> !id.equals(s.id()))
            .distinct()
            .filter(id -> catalogue.find(id).map(a -> a.availableIn(region)).orElse(false))
            .toList();
    return alternatives.isEmpty()
        ? text
        : text + "; use " + Phrases.orList(alternatives) + " in " + region.code();
  }

  private static String regionName(Region r) {
    return r.code() + " (" + r.displayName() + ")";
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
