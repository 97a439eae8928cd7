package io.wanpipeline.submitter;

import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;

/**
 * This instance's in-memory view of the submission ledger, one map per owned partition of {@code
 * video-requests}. The durable ledger is the compacted topic {@link TopicNames#submissions()}:
 * entries are keyed by request_id and written to the partition number of the request they record,
 * so the view of a partition moves with the partition. Only the submission loop's thread touches
 * it.
 */
public final class SubmissionLedger {
  private final Map<Integer, Map<String, SubmissionLedgerEntry>> byPartition = new HashMap<>();

  /** The typed descriptor of the ledger topic. */
  public static Topic<String, SubmissionLedgerEntry> topic(
      TopicNames names, SchemaRegistry registry) {
    return new Topic<>(
        names.submissions(),
        Serdes.String(),
        AvroSerde.forValue(registry, SubmissionLedgerEntry.getClassSchema()));
  }

  /** Replaces the view of {@code partition} by {@code entries} read from the ledger topic. */
  void load(int partition, Map<String, SubmissionLedgerEntry> entries) {
    byPartition.put(partition, new HashMap<>(entries));
  }

  /** Forgets a partition this instance no longer owns. */
  void drop(int partition) {
    byPartition.remove(partition);
  }

  /** The latest committed entry of {@code requestId} in {@code partition}. */
  Optional<SubmissionLedgerEntry> find(int partition, String requestId) {
    Map<String, SubmissionLedgerEntry> entries = byPartition.get(partition);
    if (entries == null) {
      throw new IllegalStateException("ledger of partition " + partition + " is not loaded");
    }
    return Optional.ofNullable(entries.get(requestId));
  }

  /**
   * The task ids of every request this view holds as SUBMITTED, whatever its account and model:
   * tasks an in-doubt request of these partitions cannot have created.
   */
  Set<String> taskIds() {
    Set<String> ids = new HashSet<>();
    for (Map<String, SubmissionLedgerEntry> entries : byPartition.values()) {
      for (SubmissionLedgerEntry e : entries.values()) {
        if (e.getKind() == SubmissionKind.SUBMITTED && e.getTaskId() != null) {
          ids.add(e.getTaskId());
        }
      }
    }
    return ids;
  }

  /** Records an entry whose transaction committed. */
  void record(int partition, SubmissionLedgerEntry entry) {
    byPartition.computeIfAbsent(partition, p -> new HashMap<>()).put(entry.getRequestId(), entry);
  }
}
