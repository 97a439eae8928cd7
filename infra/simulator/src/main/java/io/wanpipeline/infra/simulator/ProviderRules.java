package io.wanpipeline.infra.simulator;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides a create call the way the provider does, from the simulator's own table ({@link
 * ProviderModels}): required fields, URLs, templates, resolution or size, ratio, duration, shot
 * type, media, the inputs of each {@code input.function} (VACE) and enumerated parameters. Fields a
 * model does not read are ignored, as the provider tolerates extra fields (docs/protocol.md 1.4);
 * over-long prompts are truncated, not refused (section 2).
 *
 * <p>Over 400 lines: one table of the provider's documented rules, a method per rule family.
 */
final class ProviderRules implements ModelRules {

  /** Input fields that carry a URL the provider fetches. */
  private static final List<String> URL_FIELDS =
      List.of(
          "img_url",
          "first_frame_url",
          "last_frame_url",
          "image_url",
          "audio_url",
          "video_url",
          "mask_image_url",
          "mask_video_url",
          "first_clip_url",
          "last_clip_url");

  /** Input arrays whose items are URLs the provider fetches. */
  private static final List<String> URL_LISTS = List.of("ref_images_url");

  private final ProviderModels models;

  ProviderRules(ProviderModels models) {
    this.models = models;
  }

  @Override
  public Optional<String> createPathOf(String model) {
    return models.find(model).map(ProviderModel::createPath);
  }

  @Override
  public List<String> violations(CreateBody body) {
    Optional<ProviderModel> found = models.find(body.model());
    if (found.isEmpty()) {
      return List.of("Model not exist.");
    }
    ProviderModel m = found.get();
    List<String> out = new ArrayList<>();
    checkRequired(m, body, out);
    checkFunction(m, body, out);
    checkUrls(body.input(), out);
    checkTemplate(m, body.input().text("template"), out);
    checkResolution(m, body.parameters(), out);
    checkRatio(m, blankToNull(body.parameters().ratio()), out);
    checkDuration(m, body, out);
    checkShotType(m, blankToNull(body.parameters().shotType()), out);
    if (m.media() != null && !body.input().media().isEmpty()) {
      checkMedia(m, m.media(), body.input().media(), out);
    }
    m.enumerated()
        .forEach(
            (name, values) -> {
              String v = blankToNull(body.parameters().others().get(name));
              if (v != null && !values.contains(v)) {
                out.add("parameters." + name + " must be one of " + values + " for " + m.id());
              }
            });
    return List.copyOf(out);
  }

  @Override
  public String tierOf(CreateBody body) {
    Optional<ProviderModel> found = models.find(body.model());
    if (found.isEmpty()) {
      return "720P";
    }
    ProviderModel m = found.get();
    if (m.tierParameter() != null) {
      return tierFromParameter(m, body);
    }
    String size = blankToNull(body.parameters().size());
    String resolution = blankToNull(body.parameters().resolution());
    return switch (m.reads()) {
      case SIZE -> {
        if (size != null && m.sizes().contains(size)) {
          yield models.tierOfSize(size).orElse(m.defaultTier());
        }
        yield size == null && resolution != null && m.tiers().contains(resolution)
            ? resolution
            : m.defaultTier();
      }
      case RESOLUTION ->
          resolution != null && m.tiers().contains(resolution) ? resolution : m.defaultTier();
      case NONE -> m.defaultTier();
    };
  }

  @Override
  public String sizeOf(CreateBody body) {
    Optional<ProviderModel> found = models.find(body.model());
    String size = blankToNull(body.parameters().size());
    if (found.isPresent()
        && found.get().reads() == ProviderModel.Reads.SIZE
        && size != null
        && found.get().sizes().contains(size)) {
      return size;
    }
    String tier = tierOf(body);
    if (found.isPresent()
        && found.get().defaultSize() != null
        && tier.equals(found.get().defaultTier())) {
      return found.get().defaultSize();
    }
    return models.landscapeSizeOf(tier).orElse("1280*720");
  }

  /**
   * The value of the model's tier parameter in upper case ({@code WAN-STD}); the default tier when
   * it is missing or not one the model takes, which only a call not validated can reach.
   */
  private static String tierFromParameter(ProviderModel m, CreateBody body) {
    String name = m.tierParameter().substring("parameters.".length());
    String value = blankToNull(body.parameters().others().get(name));
    List<String> allowed = m.enumerated().get(name);
    if (value == null || (allowed != null && !allowed.contains(value))) {
      return m.defaultTier();
    }
    return value.toUpperCase(Locale.ROOT);
  }

  @Override
  public List<String> usageFieldsOf(String model) {
    return models.find(model).map(ProviderModel::usageFields).orElse(List.of());
  }

  @Override
  public BigDecimal secondsOf(CreateBody body) {
    Optional<ProviderModel> found = models.find(body.model());
    if (found.isEmpty()) {
      return BigDecimal.valueOf(5);
    }
    ProviderModel.DurationRule rule = found.get().duration();
    Integer asked = body.parameters().duration();
    if (rule.followsInput() || (rule.zeroKeepsInput() && (asked == null || asked == 0))) {
      return BigDecimal.ZERO; // as long as an input the simulator never fetches: it makes one up
    }
    if (rule.fixed() != null) {
      return BigDecimal.valueOf(rule.fixed());
    }
    return BigDecimal.valueOf(asked != null ? asked : rule.byDefault());
  }

  @Override
  public boolean audioOf(CreateBody body) {
    return models.find(body.model()).map(ProviderModel::audio).orElse(false)
        && Boolean.TRUE.equals(body.parameters().audio());
  }

  @Override
  public Optional<Integer> concurrencyOf(String model) {
    return models.find(model).map(ProviderModel::concurrent);
  }

  @Override
  public Optional<Integer> submitRpsOf(String model) {
    return models.find(model).map(ProviderModel::rps);
  }

  // ---------------------------------------------------------------- checks

  private static void checkRequired(ProviderModel m, CreateBody body, List<String> out) {
    for (String field : m.required()) {
      if (!present(body, field)) {
        out.add("Field required: " + field);
      }
    }
  }

  /** The inputs {@code input.function} asks for; a missing function is left to the required. */
  private static void checkFunction(ProviderModel m, CreateBody body, List<String> out) {
    String function = blankToNull(body.input().text("function"));
    if (m.functions().isEmpty() || function == null) {
      return;
    }
    ProviderModel.FunctionRule rule = m.functions().get(function);
    if (rule == null) {
      out.add(
          "input.function must be one of "
              + String.join(", ", m.functions().keySet())
              + " for "
              + m.id()
              + ", not "
              + function);
      return;
    }
    Set<String> missing = new LinkedHashSet<>();
    for (String field : rule.required()) {
      if (!present(body, field)) {
        missing.add(field);
        out.add("Field required: " + field + " for " + function);
      }
    }
    if (!rule.anyOf().isEmpty() && rule.anyOf().stream().noneMatch(f -> present(body, f))) {
      out.add("Field required: one of " + String.join(", ", rule.anyOf()) + " for " + function);
    }
    rule.counts()
        .forEach(
            (field, range) -> {
              int n = list(body, field).size();
              if (!missing.contains(field) && (n < range.get(0) || n > range.get(1))) {
                out.add(
                    field
                        + ": "
                        + function
                        + " takes "
                        + range.get(0)
                        + " to "
                        + range.get(1)
                        + " items, not "
                        + n);
              }
            });
    rule.sameLength()
        .forEach(
            (field, other) -> {
              int n = list(body, field).size();
              int expected = list(body, other).size();
              if (!missing.contains(field) && present(body, field) && n != expected) {
                out.add(
                    field
                        + " must have as many items as "
                        + other
                        + " ("
                        + expected
                        + "), not "
                        + n);
              }
            });
    rule.items()
        .forEach(
            (field, values) -> {
              List<String> items = list(body, field);
              for (int i = 0; i < items.size(); i++) {
                if (!values.contains(items.get(i).trim())) {
                  out.add(
                      field
                          + "["
                          + i
                          + "] must be one of "
                          + String.join(", ", values)
                          + ", not "
                          + items.get(i));
                }
              }
            });
    rule.itemCaps()
        .forEach(
            (field, caps) ->
                caps.forEach(
                    (value, cap) -> {
                      long n =
                          list(body, field).stream().filter(v -> v.trim().equals(value)).count();
                      if (n > cap) {
                        out.add(field + " takes at most " + cap + " " + value + ", not " + n);
                      }
                    }));
  }

  /** Whether the wire field ({@code input.x} or {@code parameters.x}) is given and not blank. */
  private static boolean present(CreateBody body, String field) {
    if (field.startsWith("parameters.")) {
      String name = field.substring("parameters.".length());
      return blankToNull(body.parameters().others().get(name)) != null
          || !body.parameters().list(name).isEmpty();
    }
    String name = field.substring("input.".length());
    CreateBody.Input in = body.input();
    return switch (name) {
      case "media" -> !in.media().isEmpty();
      case "reference_urls" -> !in.referenceUrls().isEmpty();
      default -> blankToNull(in.text(name)) != null || !in.list(name).isEmpty();
    };
  }

  /** The items of the array field ({@code input.x} or {@code parameters.x}); empty when absent. */
  private static List<String> list(CreateBody body, String field) {
    return field.startsWith("parameters.")
        ? body.parameters().list(field.substring("parameters.".length()))
        : body.input().list(field.substring("input.".length()));
  }

  private static void checkUrls(CreateBody.Input in, List<String> out) {
    for (String field : URL_FIELDS) {
      String url = in.text(field);
      if (url != null && !fetchable(url)) {
        out.add("input." + field + " must be a public http(s) URL, a data URI or an oss:// URL");
      }
    }
    for (String field : URL_LISTS) {
      List<String> urls = in.list(field);
      for (int i = 0; i < urls.size(); i++) {
        if (!fetchable(urls.get(i))) {
          out.add("input." + field + "[" + i + "] must be a public http(s) URL or an oss:// URL");
        }
      }
    }
    for (int i = 0; i < in.referenceUrls().size(); i++) {
      if (!fetchable(in.referenceUrls().get(i))) {
        out.add("input.reference_urls[" + i + "] must be a public http(s) URL or an oss:// URL");
      }
    }
    for (int i = 0; i < in.media().size(); i++) {
      CreateBody.Media item = in.media().get(i);
      if (blankToNull(item.url()) == null) {
        out.add("Field required: input.media[" + i + "].url");
      } else if (!fetchable(item.url())) {
        out.add("input.media[" + i + "].url must be a public http(s) URL or an oss:// URL");
      }
      if (item.referenceVoice() != null && !fetchable(item.referenceVoice())) {
        out.add(
            "input.media[" + i + "].reference_voice must be a public http(s) URL or an oss:// URL");
      }
    }
  }

  /** Section 2: a public http(s) URL, a {@code data:} URI, or an {@code oss://} temporary URL. */
  private static boolean fetchable(String url) {
    if (url == null) {
      return false;
    }
    String u = url.trim().toLowerCase(Locale.ROOT);
    return (u.startsWith("https://") && u.length() > 8)
        || (u.startsWith("http://") && u.length() > 7)
        || u.startsWith("data:")
        || (u.startsWith("oss://") && u.length() > 6);
  }

  private void checkTemplate(ProviderModel m, String template, List<String> out) {
    String t = blankToNull(template);
    if (t == null) {
      return;
    }
    if (!m.templates()) {
      out.add("input.template: " + m.id() + " takes no video-effect template");
    } else if (!models.templates().contains(t)) {
      out.add("input.template: unknown video-effect template '" + t + "'");
    }
  }

  private void checkResolution(ProviderModel m, CreateBody.Parameters p, List<String> out) {
    String size = blankToNull(p.size());
    String resolution = blankToNull(p.resolution());
    switch (m.reads()) {
      case SIZE -> {
        if (size != null) {
          if (!m.sizes().contains(size)) {
            out.add(
                "parameters.size: "
                    + m.id()
                    + " supports the sizes "
                    + String.join(", ", m.sizes())
                    + ", not "
                    + size);
          }
        } else if (resolution != null && !m.tiers().contains(resolution)) {
          out.add(tierRefusal(m, resolution));
        }
      }
      case RESOLUTION -> {
        if (resolution != null && !m.tiers().contains(resolution)) {
          out.add(tierRefusal(m, resolution));
        }
      }
      case NONE -> {
        // no resolution parameter: whatever is sent is ignored
      }
    }
  }

  private static String tierRefusal(ProviderModel m, String resolution) {
    return "parameters.resolution: "
        + m.id()
        + " supports "
        + String.join(", ", m.tiers())
        + ", not "
        + resolution;
  }

  private static void checkRatio(ProviderModel m, String ratio, List<String> out) {
    if (ratio != null && !m.ratios().isEmpty() && !m.ratios().contains(ratio)) {
      out.add(
          "parameters.ratio: "
              + m.id()
              + " supports "
              + String.join(", ", m.ratios())
              + ", not "
              + ratio);
    }
  }

  private static void checkDuration(ProviderModel m, CreateBody body, List<String> out) {
    ProviderModel.DurationRule rule = m.duration();
    Integer asked = body.parameters().duration();
    if (asked != null && !rule.accepts(asked)) {
      out.add("parameters.duration: " + m.id() + " supports " + rule.phrase() + ", not " + asked);
      return;
    }
    if (m.media() == null || m.media().durationCaps().isEmpty()) {
      return;
    }
    int seconds = asked != null ? asked : rule.byDefault() == null ? 0 : rule.byDefault();
    Set<String> present = new LinkedHashSet<>();
    body.input().media().forEach(item -> present.add(trim(item.type())));
    m.media()
        .durationCaps()
        .forEach(
            (type, cap) -> {
              if (present.contains(type) && seconds > cap) {
                out.add(
                    "parameters.duration: "
                        + m.id()
                        + " supports at most "
                        + cap
                        + " seconds with a "
                        + type
                        + ", not "
                        + seconds);
              }
            });
  }

  private static void checkShotType(ProviderModel m, String shotType, List<String> out) {
    if (m.shotType() && shotType != null && !List.of("single", "multi").contains(shotType)) {
      out.add("parameters.shot_type must be single or multi, not " + shotType);
    }
  }

  private static void checkMedia(
      ProviderModel m,
      ProviderModel.MediaRule rule,
      List<CreateBody.Media> media,
      List<String> out) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    boolean allKnown = true;
    for (int i = 0; i < media.size(); i++) {
      String type = trim(media.get(i).type());
      if (type == null || type.isEmpty()) {
        out.add("Field required: input.media[" + i + "].type");
        allKnown = false;
      } else if (!rule.types().contains(type)) {
        out.add(
            "input.media["
                + i
                + "].type: "
                + m.id()
                + " takes "
                + String.join(", ", rule.types())
                + ", not "
                + type);
        allKnown = false;
      } else {
        counts.merge(type, 1, Integer::sum);
      }
    }
    if (!allKnown) {
      return;
    }
    if (!rule.combinations().isEmpty()) {
      boolean once = counts.values().stream().allMatch(n -> n == 1);
      if (!once || !rule.combinations().contains(counts.keySet())) {
        out.add(
            "input.media: "
                + m.id()
                + " does not take the combination "
                + String.join("+", counts.keySet())
                + (once ? "" : " (each type at most once)"));
      }
    }
    rule.counts()
        .forEach(
            (type, range) -> {
              int n = counts.getOrDefault(type, 0);
              if (n < range.get(0) || n > range.get(1)) {
                out.add(
                    "input.media: "
                        + m.id()
                        + " takes "
                        + range.get(0)
                        + " to "
                        + range.get(1)
                        + " "
                        + type
                        + " items, not "
                        + n);
              }
            });
    if (!rule.totalTypes().isEmpty()) {
      int n = rule.totalTypes().stream().mapToInt(t -> counts.getOrDefault(t, 0)).sum();
      if (n < rule.totalMin() || n > rule.totalMax()) {
        out.add(
            "input.media: "
                + m.id()
                + " takes "
                + rule.totalMin()
                + " to "
                + rule.totalMax()
                + " "
                + String.join(" and ", rule.totalTypes())
                + " items together, not "
                + n);
      }
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static String trim(String s) {
    return s == null ? null : s.trim();
  }
}
