package io.wanpipeline.wan.catalogue;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A generation of models, recognised by the prefix of the model id. */
public enum Family {
  /** Wan 2.1: {@code wanx2.1-*} in Beijing, {@code wan2.1-*} in Singapore. */
  WAN21("wan2.1", List.of("wanx2.1-", "wan2.1-")),
  /** Wan 2.2. */
  WAN22("wan2.2", List.of("wan2.2-")),
  /** Wan 2.5 previews. */
  WAN25("wan2.5", List.of("wan2.5-")),
  /** Wan 2.6. */
  WAN26("wan2.6", List.of("wan2.6-")),
  /** Wan 2.7, on the {@code input.media} protocol. */
  WAN27("wan2.7", List.of("wan2.7-")),
  /** HappyHorse 1.x, on the {@code input.media} protocol. */
  HAPPYHORSE("happyhorse", List.of("happyhorse-"));

  private final String label;
  private final List<String> prefixes;

  Family(String label, List<String> prefixes) {
    this.label = label;
    this.prefixes = prefixes;
  }

  /** The name people use for the family, for example {@code wan2.2}. */
  public String label() {
    return label;
  }

  /**
   * The family a model id seems to belong to, judged by its prefix alone (the id need not be
   * known), or empty.
   */
  public static Optional<Family> guess(String modelId) {
    if (modelId == null) {
      return Optional.empty();
    }
    String id = modelId.trim().toLowerCase(Locale.ROOT);
    for (Family f : values()) {
      for (String p : f.prefixes) {
        if (id.startsWith(p)) {
          return Optional.of(f);
        }
      }
    }
    return Optional.empty();
  }
}
