package io.wanpipeline.infra.registry;

import io.wanpipeline.infra.registry.RegistryState.SchemaVersion;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's changes: each decides from the current state what to write, writes it to the
 * schema topic and answers once the write is committed and applied. If the write fails (another
 * instance took over writing, or the broker failed), it takes the writer role back, catches up and
 * decides again, a bounded number of times.
 */
final class RegistryCommands {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryCommands.class);
  private static final int ATTEMPTS = 3;

  private final RegistryState state;
  private final SchemaTopic topic;
  private final String topicName;

  RegistryCommands(RegistryState state, SchemaTopic topic, String topicName) {
    this.state = state;
    this.topic = topic;
    this.topicName = topicName;
  }

  /** What a command decided: records to write (maybe none) and the answer once written. */
  private record Plan<T>(List<ProducerRecord<byte[], byte[]>> records, T answer) {}

  /**
   * Registers {@code schema} under {@code subject}, or finds it already there.
   *
   * @return the schema's global id
   * @throws RegistryError 409 if the subject's compatibility level rejects it
   */
  synchronized int register(String subject, AvroSchemas.Parsed schema) throws InterruptedException {
    return write(
        () -> {
          var existing = state.find(subject, schema.canonical(), false);
          if (existing.isPresent()) {
            return new Plan<>(List.of(), existing.get().id());
          }
          List<String> violations =
              state.effectiveLevel(subject).violations(schema.schema(), state.liveSchemas(subject));
          if (!violations.isEmpty()) {
            throw RegistryError.incompatible(subject, violations);
          }
          int id = state.idOf(schema.canonical()).orElse(state.maxId() + 1);
          int version = state.maxVersion(subject) + 1;
          SchemaVersion registered =
              new SchemaVersion(subject, version, id, schema.canonical(), false);
          LOG.info("registering subject={}, version={}, id={}", subject, version, id);
          return new Plan<>(List.of(SchemaRecords.schema(topicName, registered)), id);
        });
  }

  /**
   * Soft-deletes every live version of {@code subject}.
   *
   * @return the deleted version numbers
   */
  synchronized List<Integer> deleteSubject(String subject) throws InterruptedException {
    return write(
        () -> {
          List<SchemaVersion> live = state.versions(subject, false);
          if (live.isEmpty()) {
            throw state.known(subject)
                ? new RegistryError(404, 40404, "Subject '" + subject + "' was soft deleted.")
                : RegistryError.subjectNotFound(subject);
          }
          List<ProducerRecord<byte[], byte[]>> records =
              live.stream().map(v -> SchemaRecords.schema(topicName, v.asDeleted())).toList();
          LOG.info("deleting subject={}, versions={}", subject, live.size());
          return new Plan<>(records, live.stream().map(SchemaVersion::version).toList());
        });
  }

  /** Sets the compatibility level of {@code subject}, or the global one when it is null. */
  synchronized CompatibilityLevel setLevel(String subject, CompatibilityLevel level)
      throws InterruptedException {
    return write(() -> new Plan<>(List.of(SchemaRecords.config(topicName, subject, level)), level));
  }

  /**
   * Removes the subject-level compatibility of {@code subject}.
   *
   * @return the level it had
   */
  synchronized CompatibilityLevel clearLevel(String subject) throws InterruptedException {
    return write(
        () -> {
          CompatibilityLevel previous =
              state
                  .subjectLevel(subject)
                  .orElseThrow(() -> RegistryError.subjectLevelConfigNotFound(subject));
          return new Plan<>(List.of(SchemaRecords.config(topicName, subject, null)), previous);
        });
  }

  private <T> T write(Supplier<Plan<T>> decide) throws InterruptedException {
    KafkaException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Plan<T> plan = decide.get();
      if (plan.records().isEmpty()) {
        return plan.answer();
      }
      try {
        topic.append(plan.records());
        return plan.answer();
      } catch (KafkaException e) {
        last = e;
        LOG.debug(
            "write to schema topic={} failed, taking over writing: attempt={}, error={}",
            topicName,
            attempt,
            e.toString());
        try {
          topic.takeOverWriting();
        } catch (KafkaException retry) {
          last.addSuppressed(retry);
        }
      }
    }
    throw RegistryError.storeFailed(
        "could not write to schema topic " + topicName + " after " + ATTEMPTS + " attempts", last);
  }
}
