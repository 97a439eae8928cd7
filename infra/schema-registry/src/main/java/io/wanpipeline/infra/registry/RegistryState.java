package io.wanpipeline.infra.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * The registry's in-memory view of its schema topic: subjects, versions, global ids and
 * compatibility settings. Only the topic reader changes it, by applying records in log order, so
 * every instance that has read the same records holds the same view.
 */
final class RegistryState {
  /** Compatibility used until a global level is written. */
  static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;

  /** One version of a subject: its global id and the schema's canonical text. */
  record SchemaVersion(String subject, int version, int id, String schema, boolean deleted) {
    SchemaVersion asDeleted() {
      return new SchemaVersion(subject, version, id, schema, true);
    }
  }

  private final Map<String, NavigableMap<Integer, SchemaVersion>> subjects = new TreeMap<>();
  private final Map<Integer, String> schemasById = new HashMap<>();
  private final Map<String, Integer> idsBySchema = new HashMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel = DEFAULT_LEVEL;
  private int maxId;

  // ---- changes, applied by the topic reader in log order

  synchronized void put(SchemaVersion version) {
    subjects
        .computeIfAbsent(version.subject(), s -> new TreeMap<>())
        .put(version.version(), version);
    // The first record naming an id or a schema wins, so that a replay always agrees.
    schemasById.putIfAbsent(version.id(), version.schema());
    idsBySchema.putIfAbsent(version.schema(), version.id());
    maxId = Math.max(maxId, version.id());
  }

  synchronized void remove(String subject, int version) {
    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
    if (versions != null) {
      versions.remove(version);
      if (versions.isEmpty()) {
        subjects.remove(subject);
      }
    }
  }

  /** Sets the level of {@code subject}, or the global level when it is null. */
  synchronized void setLevel(String subject, CompatibilityLevel level) {
    if (subject == null) {
      globalLevel = level;
    } else {
      subjectLevels.put(subject, level);
    }
  }

  /** Removes the level of {@code subject}, or resets the global level when it is null. */
  synchronized void clearLevel(String subject) {
    if (subject == null) {
      globalLevel = DEFAULT_LEVEL;
    } else {
      subjectLevels.remove(subject);
    }
  }

  // ---- queries

  /** Subject names, sorted; those with only deleted versions when {@code includeDeleted}. */
  synchronized List<String> subjects(boolean includeDeleted) {
    List<String> names = new ArrayList<>();
    subjects.forEach(
        (name, versions) -> {
          if (includeDeleted || versions.values().stream().anyMatch(v -> !v.deleted())) {
            names.add(name);
          }
        });
    return names;
  }

  /** Whether any version, deleted or not, was ever recorded for {@code subject}. */
  synchronized boolean known(String subject) {
    return subjects.containsKey(subject);
  }

  /** The versions of {@code subject}, oldest first. */
  synchronized List<SchemaVersion> versions(String subject, boolean includeDeleted) {
    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
    if (versions == null) {
      return List.of();
    }
    return versions.values().stream().filter(v -> includeDeleted || !v.deleted()).toList();
  }

  /** Version {@code version} of {@code subject}. */
  synchronized Optional<SchemaVersion> version(
      String subject, int version, boolean includeDeleted) {
    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
    SchemaVersion found = versions == null ? null : versions.get(version);
    return Optional.ofNullable(found).filter(v -> includeDeleted || !v.deleted());
  }

  /** The newest version of {@code subject}. */
  synchronized Optional<SchemaVersion> latest(String subject, boolean includeDeleted) {
    List<SchemaVersion> versions = versions(subject, includeDeleted);
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
  }

  /** The version of {@code subject} whose canonical schema is {@code schema}, newest first. */
  synchronized Optional<SchemaVersion> find(String subject, String schema, boolean includeDeleted) {
    List<SchemaVersion> versions = versions(subject, includeDeleted);
    for (int i = versions.size() - 1; i >= 0; i--) {
      if (versions.get(i).schema().equals(schema)) {
        return Optional.of(versions.get(i));
      }
    }
    return Optional.empty();
  }

  /** The highest version ever recorded for {@code subject}, deleted or not; 0 if none. */
  synchronized int maxVersion(String subject) {
    NavigableMap<Integer, SchemaVersion> versions = subjects.get(subject);
    return versions == null ? 0 : versions.lastKey();
  }

  /** The canonical schema with global id {@code id}. */
  synchronized Optional<String> schemaById(int id) {
    return Optional.ofNullable(schemasById.get(id));
  }

  /** The global id of a canonical schema. */
  synchronized OptionalInt idOf(String schema) {
    Integer id = idsBySchema.get(schema);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The highest global id ever recorded; 0 if none. */
  synchronized int maxId() {
    return maxId;
  }

  /** The live subject versions that use global id {@code id}. */
  synchronized List<SchemaVersion> usesOf(int id) {
    List<SchemaVersion> uses = new ArrayList<>();
    subjects
        .values()
        .forEach(
            vs ->
                vs.values().stream().filter(v -> !v.deleted() && v.id() == id).forEach(uses::add));
    return uses;
  }

  synchronized CompatibilityLevel globalLevel() {
    return globalLevel;
  }

  synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
    return Optional.ofNullable(subjectLevels.get(subject));
  }

  /** The subject's own level, else the global one. */
  synchronized CompatibilityLevel effectiveLevel(String subject) {
    return subjectLevels.getOrDefault(subject, globalLevel);
  }

  /** The live versions' schemas of {@code subject}, oldest first. */
  synchronized List<Schema> liveSchemas(String subject) {
    return versions(subject, false).stream()
        .map(v -> AvroSchemas.parse(v.schema()).schema())
        .toList();
  }
}
