package io.wanpipeline.wan.dialect.vtrix;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Our model ids and Vtrix's, both ways. The standard table holds the Wan models Vtrix documents
 * (SEED-4 and its sibling pages, docs/protocol.md 5.5): {@code wan2.2-i2v-flash} = {@code
 * wan22_i2v_flash}, {@code wan2.2-t2v-plus} = {@code wan22_t2v_plus}, {@code wan2.5-i2v-preview} =
 * {@code wan25_i2v_preview_intl} (Vtrix's Singapore-served variant). Other ids are not guessed: an
 * account adds them with the dialect option {@value #OPTION} ({@code ours=theirs,...}).
 */
public final class VtrixModelIds {

  /** Dialect option ({@code provider.<name>.model-ids}) with extra {@code ours=theirs} pairs. */
  public static final String OPTION = "model-ids";

  private static final VtrixModelIds STANDARD =
      new VtrixModelIds(
          Map.of(
              "wan2.2-i2v-flash", "wan22_i2v_flash",
              "wan2.2-t2v-plus", "wan22_t2v_plus",
              "wan2.5-i2v-preview", "wan25_i2v_preview_intl"));

  private final Map<String, String> toGateway;
  private final Map<String, String> toOurs;

  private VtrixModelIds(Map<String, String> toGateway) {
    Map<String, String> forward = new LinkedHashMap<>();
    Map<String, String> back = new LinkedHashMap<>();
    toGateway.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              forward.put(e.getKey(), e.getValue());
              if (back.put(e.getValue(), e.getKey()) != null) {
                throw new IllegalArgumentException(
                    "Vtrix model id " + e.getValue() + " is mapped from two of our ids");
              }
            });
    this.toGateway = Collections.unmodifiableMap(forward);
    this.toOurs = Collections.unmodifiableMap(back);
  }

  /** The documented table. */
  public static VtrixModelIds standard() {
    return STANDARD;
  }

  /**
   * The table of an account with dialect options {@code options}: the documented table plus the
   * pairs of {@value #OPTION}, if set.
   *
   * @throws IllegalArgumentException naming the option when a pair is not {@code ours=theirs}
   */
  public static VtrixModelIds of(Map<String, String> options) {
    return STANDARD.with(options.get(OPTION));
  }

  /**
   * This table plus the pairs of {@code spec} ({@code wan2.6-i2v=wan26_i2v,wan2.2-kf2v-flash=...});
   * a pair for one of our ids replaces its entry.
   *
   * @throws IllegalArgumentException naming the option when a pair is not {@code ours=theirs}
   */
  public VtrixModelIds with(String spec) {
    if (spec == null || spec.isBlank()) {
      return this;
    }
    Map<String, String> merged = new LinkedHashMap<>(toGateway);
    for (String pair : spec.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String ours = eq < 0 ? "" : pair.substring(0, eq).trim();
      String theirs = eq < 0 ? "" : pair.substring(eq + 1).trim();
      if (ours.isEmpty() || theirs.isEmpty() || theirs.contains("=")) {
        throw new IllegalArgumentException(
            "dialect option '" + OPTION + "' needs ours=theirs pairs, got '" + pair.trim() + "'");
      }
      merged.put(ours, theirs);
    }
    return new VtrixModelIds(merged);
  }

  /** Vtrix's id of our model {@code ourId}; empty when Vtrix does not list it. */
  public Optional<String> gatewayId(String ourId) {
    return ourId == null ? Optional.empty() : Optional.ofNullable(toGateway.get(ourId.trim()));
  }

  /** Our id of Vtrix's model {@code gatewayId}; empty when unknown. */
  public Optional<String> ourId(String gatewayId) {
    return gatewayId == null ? Optional.empty() : Optional.ofNullable(toOurs.get(gatewayId.trim()));
  }

  /** Our model ids in the table, sorted. */
  public java.util.Set<String> ourIds() {
    return toGateway.keySet();
  }
}
