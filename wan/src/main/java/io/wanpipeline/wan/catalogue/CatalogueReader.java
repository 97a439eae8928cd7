package io.wanpipeline.wan.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the catalogue data file (JSON). A model entry may name an earlier entry in {@code extends}
 * and then only states what differs; {@code notes} fields are documentation and ignored.
 */
final class CatalogueReader {
  private static final Set<String> TOP_KEYS = Set.of("about", "sizeTiers", "models");
  private static final Set<String> MODEL_KEYS =
      Set.of(
          "id",
          "extends",
          "notes",
          "family",
          "task",
          "endpoint",
          "protocol",
          "style",
          "tiers",
          "defaultTier",
          "sizes",
          "defaultSize",
          "ratios",
          "defaultRatio",
          "duration",
          "promptLimit",
          "cjkPromptLimit",
          "negativePromptLimit",
          "inputs",
          "media",
          "audio",
          "shotType",
          "audioAffectsPrice",
          "modes",
          "regions");
  private static final Set<String> DURATION_KEYS =
      Set.of("fixed", "oneOf", "min", "max", "default", "follows", "nominal", "zeroFollows");
  private static final Set<String> INPUT_KEYS = Set.of("accepted", "required");
  private static final Set<String> MEDIA_KEYS =
      Set.of("types", "combinations", "counts", "total", "durationCaps");
  private static final int DEFAULT_NEGATIVE_PROMPT_LIMIT = 500;

  private final ObjectMapper mapper = new ObjectMapper();

  List<ModelSpec> read(InputStream in) {
    JsonNode root;
    try {
      root = mapper.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("catalogue data is not valid JSON", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("catalogue data must be a JSON object");
    }
    checkKeys(root, TOP_KEYS, "catalogue");
    Map<String, String> sizeTiers = sizeTiers(root.path("sizeTiers"));
    Map<String, ObjectNode> resolved = new HashMap<>();
    List<ModelSpec> specs = new ArrayList<>();
    for (JsonNode entry : array(root, "models", "catalogue")) {
      String id = text(entry, "id", "model entry");
      if (resolved.containsKey(id)) {
        throw new IllegalArgumentException("model " + id + " is listed twice");
      }
      checkKeys(entry, MODEL_KEYS, "model " + id);
      ObjectNode merged;
      if (entry.has("extends")) {
        String base = entry.get("extends").asText();
        ObjectNode baseNode = resolved.get(base);
        if (baseNode == null) {
          throw new IllegalArgumentException(
              "model " + id + " extends " + base + ", which is not listed before it");
        }
        merged = baseNode.deepCopy();
        merged.remove("notes");
        merged.setAll((ObjectNode) entry);
        merged.remove("extends");
      } else {
        merged = ((ObjectNode) entry).deepCopy();
      }
      resolved.put(id, merged);
      try {
        specs.add(spec(id, merged, sizeTiers));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("model " + id + ": " + e.getMessage(), e);
      }
    }
    return specs;
  }

  private Map<String, String> sizeTiers(JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("catalogue needs a sizeTiers object");
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String tier = e.getKey();
      if (!Tiers.isTier(tier)) {
        throw new IllegalArgumentException("sizeTiers: unknown tier " + tier);
      }
      for (JsonNode s : e.getValue()) {
        String size = s.asText();
        String byShortSide = Tiers.ofSize(size).orElse("not a size");
        if (!byShortSide.equals(tier)) {
          throw new IllegalArgumentException(
              "sizeTiers: " + size + " is listed under " + tier + " but is " + byShortSide);
        }
        m.put(size, tier);
      }
    }
    return m;
  }

  private ModelSpec spec(String id, JsonNode n, Map<String, String> sizeTiers) {
    ParameterStyle style = enumValue(ParameterStyle.class, text(n, "style", id));
    List<String> tiers = strings(n.path("tiers"));
    List<String> sizes = List.of();
    String defaultSize = null;
    String defaultTier = optText(n, "defaultTier");
    if (style == ParameterStyle.SIZE) {
      sizes =
          n.has("sizes")
              ? strings(n.get("sizes"))
              : sizeTiers.entrySet().stream()
                  .filter(e -> tiers.contains(e.getValue()))
                  .map(Map.Entry::getKey)
                  .toList();
      for (String s : sizes) {
        if (!tiers.contains(Tiers.ofSize(s).orElse(""))) {
          throw new IllegalArgumentException("size " + s + " is not of the tiers " + tiers);
        }
      }
      defaultSize = text(n, "defaultSize", id);
      if (defaultTier == null) {
        defaultTier = Tiers.ofSize(defaultSize).orElse(null);
      }
    }
    List<String> ratios = strings(n.path("ratios"));
    MediaRules media = media(n.path("media"));
    return new ModelSpec(
        id,
        enumValue(Family.class, text(n, "family", id)),
        enumValue(TaskKind.class, text(n, "task", id)),
        enumValue(Endpoint.class, text(n, "endpoint", id)),
        enumValue(RequestProtocol.class, text(n, "protocol", id)),
        style,
        tiers,
        sizes,
        ratios,
        defaultTier,
        defaultSize,
        optText(n, "defaultRatio"),
        duration(n.path("duration")),
        n.path("promptLimit").asInt(0),
        n.has("cjkPromptLimit") ? n.get("cjkPromptLimit").asInt(0) : n.path("promptLimit").asInt(0),
        n.path("negativePromptLimit").asInt(DEFAULT_NEGATIVE_PROMPT_LIMIT),
        inputs(n.path("inputs"), media),
        n.path("audio").asBoolean(false),
        n.path("shotType").asBoolean(false),
        n.path("audioAffectsPrice").asBoolean(false),
        strings(n.path("modes")),
        limits(n.path("regions")));
  }

  private DurationRule duration(JsonNode d) {
    if (!d.isObject()) {
      throw new IllegalArgumentException("needs a duration object");
    }
    checkKeys(d, DURATION_KEYS, "duration");
    DurationRule rule;
    if (d.has("fixed")) {
      rule = DurationRule.fixed(d.get("fixed").asInt());
    } else if (d.has("oneOf")) {
      List<Integer> values = new ArrayList<>();
      d.get("oneOf").forEach(v -> values.add(v.asInt()));
      rule = DurationRule.oneOf(values, d.path("default").asInt(values.get(0)));
    } else if (d.has("min")) {
      rule =
          DurationRule.range(
              d.get("min").asInt(), d.path("max").asInt(), d.path("default").asInt(0));
    } else if (d.has("follows")) {
      return DurationRule.followsInput(
          d.get("follows").asText(), d.path("nominal").asInt(0), d.path("max").asInt(0));
    } else {
      throw new IllegalArgumentException("duration needs fixed, oneOf, min/max or follows");
    }
    return d.has("zeroFollows") ? rule.zeroFollows(d.get("zeroFollows").asText()) : rule;
  }

  private InputRules inputs(JsonNode i, MediaRules media) {
    if (!i.isObject()) {
      throw new IllegalArgumentException("needs an inputs object");
    }
    checkKeys(i, INPUT_KEYS, "inputs");
    return new InputRules(inputFields(i.path("accepted")), inputFields(i.path("required")), media);
  }

  private static Set<InputField> inputFields(JsonNode names) {
    Set<InputField> fields = EnumSet.noneOf(InputField.class);
    for (String name : strings(names)) {
      fields.add(
          InputField.ofWireName(name)
              .orElseThrow(() -> new IllegalArgumentException("unknown input field " + name)));
    }
    return fields;
  }

  private MediaRules media(JsonNode m) {
    if (m.isMissingNode() || m.isNull()) {
      return MediaRules.NONE;
    }
    checkKeys(m, MEDIA_KEYS, "media");
    List<List<String>> combos = new ArrayList<>();
    m.path("combinations").forEach(c -> combos.add(strings(c)));
    Map<String, MediaRules.Count> counts = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : m.path("counts").properties()) {
      counts.put(e.getKey(), count(e.getValue()));
    }
    JsonNode total = m.path("total");
    Map<String, Integer> caps = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : m.path("durationCaps").properties()) {
      caps.put(e.getKey(), e.getValue().asInt());
    }
    return new MediaRules(
        strings(m.path("types")),
        combos,
        counts,
        strings(total.path("types")),
        total.isObject()
            ? new MediaRules.Count(total.path("min").asInt(0), total.path("max").asInt())
            : null,
        caps);
  }

  private static MediaRules.Count count(JsonNode pair) {
    if (!pair.isArray() || pair.size() != 2) {
      throw new IllegalArgumentException("a media count is [min, max], not " + pair);
    }
    return new MediaRules.Count(pair.get(0).asInt(), pair.get(1).asInt());
  }

  private static Map<Region, ProviderLimits> limits(JsonNode r) {
    Map<Region, ProviderLimits> m = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : r.properties()) {
      Region region =
          Region.parse(e.getKey())
              .orElseThrow(() -> new IllegalArgumentException("unknown region " + e.getKey()));
      JsonNode l = e.getValue();
      m.put(region, new ProviderLimits(l.path("rps").asInt(0), l.path("concurrent").asInt(0)));
    }
    return m;
  }

  private static void checkKeys(JsonNode node, Set<String> known, String where) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String k = e.getKey();
      if (!known.contains(k)) {
        throw new IllegalArgumentException(where + ": unknown key " + k);
      }
    }
  }

  private static Iterable<JsonNode> array(JsonNode n, String key, String where) {
    JsonNode a = n.path(key);
    if (!a.isArray()) {
      throw new IllegalArgumentException(where + " needs an array " + key);
    }
    return a;
  }

  private static String text(JsonNode n, String key, String where) {
    JsonNode v = n.path(key);
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(where + " needs a text " + key);
    }
    return v.asText();
  }

  private static String optText(JsonNode n, String key) {
    JsonNode v = n.path(key);
    return v.isTextual() ? v.asText() : null;
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String name) {
    try {
      return Enum.valueOf(type, name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown " + type.getSimpleName() + " " + name, e);
    }
  }
}
