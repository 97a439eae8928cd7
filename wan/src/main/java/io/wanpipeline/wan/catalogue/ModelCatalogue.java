package io.wanpipeline.wan.catalogue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Wan and HappyHorse models the pipeline knows, with what each accepts. Immutable and
 * thread-safe.
 */
public final class ModelCatalogue {

  /** Class-path location of the standard catalogue data. */
  public static final String STANDARD_RESOURCE = "/io/wanpipeline/wan/catalogue/models.json";

  private final Map<String, ModelSpec> byId;

  private ModelCatalogue(Collection<ModelSpec> specs) {
    Map<String, ModelSpec> m = new LinkedHashMap<>();
    for (ModelSpec s : specs) {
      if (m.put(s.id(), s) != null) {
        throw new IllegalArgumentException("model " + s.id() + " is listed twice");
      }
    }
    this.byId = Collections.unmodifiableMap(m);
  }

  /** The catalogue built from the data file shipped with this library. */
  public static ModelCatalogue standard() {
    return Standard.INSTANCE;
  }

  /** A catalogue of exactly these models. */
  public static ModelCatalogue of(Collection<ModelSpec> specs) {
    return new ModelCatalogue(specs);
  }

  /**
   * A catalogue read from JSON in the format of the standard data file; fails with a message naming
   * the model and key on bad data.
   */
  public static ModelCatalogue load(InputStream json) {
    return new ModelCatalogue(new CatalogueReader().read(json));
  }

  /** The model with exactly this id, if known. */
  public Optional<ModelSpec> find(String modelId) {
    return modelId == null ? Optional.empty() : Optional.ofNullable(byId.get(modelId));
  }

  /**
   * The model with exactly this id.
   *
   * @throws IllegalArgumentException naming the known models of the id's family, or the known
   *     families
   */
  public ModelSpec require(String modelId) {
    return find(modelId)
        .orElseThrow(() -> new IllegalArgumentException(unknownModelMessage(modelId)));
  }

  /** All models, in data-file order. */
  public Collection<ModelSpec> all() {
    return byId.values();
  }

  /** The models of one family, in data-file order. */
  public List<ModelSpec> family(Family family) {
    return byId.values().stream().filter(s -> s.family() == family).toList();
  }

  /**
   * Why {@code modelId} is not accepted, for a person: {@code unknown model 'wan2.2-i2v-fast';
   * known wan2.2 models: wan2.2-t2v-plus, ...} when the id looks like a known family, else the list
   * of families with an example id each.
   */
  public String unknownModelMessage(String modelId) {
    if (modelId == null || modelId.isBlank()) {
      return "a model is required; known families: " + familiesPhrase();
    }
    String quoted = "unknown model '" + Phrases.echo(modelId) + "'";
    Optional<Family> family = Family.guess(modelId);
    if (family.isPresent() && !family(family.get()).isEmpty()) {
      return quoted
          + "; known "
          + family.get().label()
          + " models: "
          + family(family.get()).stream().map(ModelSpec::id).collect(Collectors.joining(", "));
    }
    return quoted + "; known families: " + familiesPhrase();
  }

  private String familiesPhrase() {
    return Stream.of(Family.values())
        .filter(f -> !family(f).isEmpty())
        .map(f -> f.label() + " (e.g. " + family(f).get(0).id() + ")")
        .collect(Collectors.joining(", "));
  }

  private static final class Standard {
    static final ModelCatalogue INSTANCE = read();

    private static ModelCatalogue read() {
      try (InputStream in = ModelCatalogue.class.getResourceAsStream(STANDARD_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("missing class-path resource " + STANDARD_RESOURCE);
        }
        return load(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + STANDARD_RESOURCE, e);
      }
    }
  }
}
