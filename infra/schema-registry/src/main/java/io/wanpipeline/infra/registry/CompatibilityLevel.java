package io.wanpipeline.infra.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * A subject's compatibility rule, as in Confluent's registry: which earlier versions a new schema
 * is checked against, and in which direction.
 */
enum CompatibilityLevel {
  /** Any schema is accepted. */
  NONE(false, false, false),
  /** The new schema can read data written with the latest version. */
  BACKWARD(true, false, false),
  /** The new schema can read data written with every earlier version. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The latest version can read data written with the new schema. */
  FORWARD(false, true, false),
  /** Every earlier version can read data written with the new schema. */
  FORWARD_TRANSITIVE(false, true, true),
  /** Both BACKWARD and FORWARD against the latest version. */
  FULL(true, true, false),
  /** Both BACKWARD and FORWARD against every earlier version. */
  FULL_TRANSITIVE(true, true, true);

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /**
   * The level named {@code name} (case-insensitive).
   *
   * @throws RegistryError 42203 if there is no such level
   */
  static CompatibilityLevel parse(String name) {
    if (name != null) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // answered below
      }
    }
    throw RegistryError.invalidCompatibilityLevel(name);
  }

  /**
   * Why {@code candidate} may not follow {@code earlier} under this level; empty when it may.
   *
   * @param earlier the subject's live versions, oldest first
   */
  List<String> violations(Schema candidate, List<Schema> earlier) {
    if (earlier.isEmpty() || this == NONE) {
      return List.of();
    }
    List<Schema> checked = transitive ? earlier : List.of(earlier.get(earlier.size() - 1));
    List<String> messages = new ArrayList<>();
    for (Schema previous : checked) {
      if (backward) {
        describe(messages, "BACKWARD", candidate, previous);
      }
      if (forward) {
        describe(messages, "FORWARD", previous, candidate);
      }
    }
    return messages;
  }

  /** Why {@code candidate} may not follow {@code version} alone, in this level's direction. */
  List<String> violationsAgainstOne(Schema candidate, Schema version) {
    return this == NONE ? List.of() : nonTransitive().violations(candidate, List.of(version));
  }

  private CompatibilityLevel nonTransitive() {
    return switch (this) {
      case BACKWARD_TRANSITIVE -> BACKWARD;
      case FORWARD_TRANSITIVE -> FORWARD;
      case FULL_TRANSITIVE -> FULL;
      default -> this;
    };
  }

  private static void describe(
      List<String> messages, String direction, Schema reader, Schema writer) {
    var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return;
    }
    for (Incompatibility incompatibility : result.getIncompatibilities()) {
      messages.add(
          direction
              + ": "
              + incompatibility.getType()
              + " at "
              + incompatibility.getLocation()
              + ": "
              + incompatibility.getMessage());
    }
    if (result.getIncompatibilities().isEmpty()) {
      messages.add(direction + ": reader " + reader.getFullName() + " cannot read the writer");
    }
  }
}
