package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The simulator's own table of the provider's models ({@value #RESOURCE}), written from
 * docs/protocol.md and the gateway documents, never from the pipeline's catalogue: the simulator is
 * the oracle the pipeline is judged against, so it must not share the pipeline's reading.
 */
final class ProviderModels {

  /** The table, on the classpath. */
  static final String RESOURCE = "/io/wanpipeline/infra/simulator/provider-models.json";

  private static final String SERVICES = "/api/v1/services/aigc/";
  private static final String SYNTHESIS = "/video-synthesis";

  private final Map<String, ProviderModel> models;
  private final Map<String, List<String>> sizesByTier;
  private final Set<String> templates;

  private ProviderModels(
      Map<String, ProviderModel> models,
      Map<String, List<String>> sizesByTier,
      Set<String> templates) {
    this.models = models;
    this.sizesByTier = sizesByTier;
    this.templates = templates;
  }

  /** The table shipped with the simulator. */
  static ProviderModels standard() {
    try (InputStream in = ProviderModels.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing " + RESOURCE);
      }
      return read(new ObjectMapper().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The model {@code id}, if the provider has it. */
  Optional<ProviderModel> find(String id) {
    return Optional.ofNullable(id == null ? null : models.get(id));
  }

  /** Every model, in table order. */
  List<ProviderModel> all() {
    return List.copyOf(models.values());
  }

  /** The effect templates the documents name. */
  Set<String> templates() {
    return templates;
  }

  /** The tier of a {@code W*H} size, if it is one of the documented sizes. */
  Optional<String> tierOfSize(String size) {
    return sizesByTier.entrySet().stream()
        .filter(e -> e.getValue().contains(size))
        .map(Map.Entry::getKey)
        .findFirst();
  }

  /** The landscape size of {@code tier} (the first documented one), for a legacy usage block. */
  Optional<String> landscapeSizeOf(String tier) {
    List<String> sizes = sizesByTier.get(tier);
    return sizes == null || sizes.isEmpty() ? Optional.empty() : Optional.of(sizes.get(0));
  }

  private static ProviderModels read(JsonNode root) {
    Map<String, List<String>> sizesByTier = new LinkedHashMap<>();
    root.path("sizeTiers")
        .properties()
        .forEach(e -> sizesByTier.put(e.getKey(), strings(e.getValue())));
    Set<String> templates = new LinkedHashSet<>(strings(root.path("templates")));
    Map<String, ProviderModel> models = new LinkedHashMap<>();
    for (JsonNode m : root.path("models")) {
      ProviderModel model = model(m, sizesByTier);
      if (models.put(model.id(), model) != null) {
        throw new IllegalStateException("model listed twice in " + RESOURCE + ": " + model.id());
      }
    }
    return new ProviderModels(models, Map.copyOf(sizesByTier), Set.copyOf(templates));
  }

  private static ProviderModel model(JsonNode m, Map<String, List<String>> sizesByTier) {
    String id = required(m, "id");
    ProviderModel.Reads reads =
        ProviderModel.Reads.valueOf(required(m, "reads").toUpperCase(Locale.ROOT));
    List<String> tiers = strings(m.path("tiers"));
    List<String> sizes = new ArrayList<>();
    for (String tier : tiers) {
      List<String> s = sizesByTier.get(tier);
      if (s == null) {
        throw new IllegalStateException(id + ": unknown tier " + tier);
      }
      sizes.addAll(s);
    }
    String byDefault = required(m, "default");
    String defaultSize = reads == ProviderModel.Reads.SIZE ? byDefault : null;
    String defaultTier = byDefault;
    if (defaultSize != null) {
      defaultTier =
          sizesByTier.entrySet().stream()
              .filter(e -> e.getValue().contains(defaultSize))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElseThrow(() -> new IllegalStateException(id + ": unknown size " + defaultSize));
    }
    Map<String, List<String>> enumerated = new LinkedHashMap<>();
    m.path("parameters")
        .properties()
        .forEach(e -> enumerated.put(e.getKey(), strings(e.getValue())));
    JsonNode limits = m.path("limits");
    return new ProviderModel(
        id,
        SERVICES + required(m, "path") + SYNTHESIS,
        required(m, "kind"),
        Set.copyOf(strings(m.path("regions"))),
        reads,
        tiers,
        List.copyOf(sizes),
        defaultSize,
        defaultTier,
        strings(m.path("ratios")),
        duration(m.path("duration")),
        strings(m.path("required")),
        functions(m.path("functions")),
        m.path("templates").asBoolean(false),
        m.path("audio").asBoolean(false),
        m.path("shotType").asBoolean(false),
        media(m.path("media")),
        Map.copyOf(enumerated),
        m.hasNonNull("tierFrom") ? m.get("tierFrom").asText() : null,
        strings(m.path("usage")),
        m.path("promptLimit").asInt(800),
        limits.path("rps").asInt(5),
        limits.path("concurrent").asInt(5));
  }

  private static Map<String, ProviderModel.FunctionRule> functions(JsonNode fs) {
    Map<String, ProviderModel.FunctionRule> out = new LinkedHashMap<>();
    fs.properties()
        .forEach(
            e -> {
              JsonNode f = e.getValue();
              Map<String, List<Integer>> counts = new LinkedHashMap<>();
              f.path("counts")
                  .properties()
                  .forEach(
                      c ->
                          counts.put(
                              c.getKey(),
                              List.of(c.getValue().get(0).asInt(), c.getValue().get(1).asInt())));
              Map<String, String> sameLength = new LinkedHashMap<>();
              f.path("sameLength")
                  .properties()
                  .forEach(c -> sameLength.put(c.getKey(), c.getValue().asText()));
              Map<String, List<String>> items = new LinkedHashMap<>();
              f.path("items")
                  .properties()
                  .forEach(c -> items.put(c.getKey(), strings(c.getValue())));
              Map<String, Map<String, Integer>> caps = new LinkedHashMap<>();
              f.path("itemCaps")
                  .properties()
                  .forEach(
                      c -> {
                        Map<String, Integer> perValue = new LinkedHashMap<>();
                        c.getValue()
                            .properties()
                            .forEach(v -> perValue.put(v.getKey(), v.getValue().asInt()));
                        caps.put(c.getKey(), Map.copyOf(perValue));
                      });
              out.put(
                  e.getKey(),
                  new ProviderModel.FunctionRule(
                      strings(f.path("required")),
                      strings(f.path("anyOf")),
                      Map.copyOf(counts),
                      Map.copyOf(sameLength),
                      Map.copyOf(items),
                      Map.copyOf(caps)));
            });
    return Collections.unmodifiableMap(out);
  }

  private static ProviderModel.DurationRule duration(JsonNode d) {
    boolean follows = d.has("followsInput");
    Integer fixed = d.has("fixed") ? d.get("fixed").asInt() : null;
    Integer byDefault = fixed;
    if (d.has("default")) {
      byDefault = d.get("default").asInt();
    }
    List<Integer> oneOf = new ArrayList<>();
    d.path("oneOf").forEach(v -> oneOf.add(v.asInt()));
    return new ProviderModel.DurationRule(
        fixed,
        List.copyOf(oneOf),
        d.has("min") ? d.get("min").asInt() : null,
        d.has("max") ? d.get("max").asInt() : null,
        follows ? null : byDefault,
        follows,
        d.path("zeroKeepsInput").asBoolean(false));
  }

  private static ProviderModel.MediaRule media(JsonNode m) {
    if (m.isMissingNode() || m.isNull()) {
      return null;
    }
    List<Set<String>> combinations = new ArrayList<>();
    m.path("combinations").forEach(c -> combinations.add(Set.copyOf(strings(c))));
    Map<String, List<Integer>> counts = new LinkedHashMap<>();
    m.path("counts")
        .properties()
        .forEach(
            e ->
                counts.put(
                    e.getKey(), List.of(e.getValue().get(0).asInt(), e.getValue().get(1).asInt())));
    JsonNode total = m.path("total");
    Map<String, Integer> caps = new LinkedHashMap<>();
    m.path("durationCaps").properties().forEach(e -> caps.put(e.getKey(), e.getValue().asInt()));
    return new ProviderModel.MediaRule(
        strings(m.path("types")),
        List.copyOf(combinations),
        Map.copyOf(counts),
        strings(total.path("types")),
        total.path("min").asInt(0),
        total.path("max").asInt(Integer.MAX_VALUE),
        Map.copyOf(caps));
  }

  private static String required(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalStateException(RESOURCE + ": missing '" + field + "' in " + node);
    }
    return v.asText();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return List.copyOf(out);
  }
}
