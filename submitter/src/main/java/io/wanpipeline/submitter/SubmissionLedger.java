package io.wanpipeline.submitter;

import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;

/**
 * This instance's in-memory view of one submission ledger topic, one map per owned partition. The
 * durable ledgers are {@link TopicNames#submissions()} (intake, partitions of {@code
 * video-requests}) and {@link TopicNames#submissionDispatch()} (dispatcher, partitions of {@code
 * submission-queue}): entries are keyed by request_id and written to the partition number of the
 * record they describe, so the view of a partition moves with the partition. An entry older than
 * the dedupe retention (by {@code recorded_at}) is forgotten, as the topic's retention deletes it.
 * Only one thread touches a view.
 */
public final class SubmissionLedger {
  private final Map<Integer, Map<String, SubmissionLedgerEntry>> byPartition = new HashMap<>();
  private final Duration retention;

  /** A view that forgets entries recorded more than {@code retention} ago. */
  public SubmissionLedger(Duration retention) {
    this.retention = retention;
  }

  /** The typed descriptor of the intake ledger topic {@code submissions}. */
  public static Topic<String, SubmissionLedgerEntry> topic(
      TopicNames names, SchemaRegistry registry) {
    return topicNamed(names.submissions(), registry);
  }

  /** The typed descriptor of the dispatch ledger topic {@code submission-dispatch}. */
  public static Topic<String, SubmissionLedgerEntry> dispatchTopic(
      TopicNames names, SchemaRegistry registry) {
    return topicNamed(names.submissionDispatch(), registry);
  }

  private static Topic<String, SubmissionLedgerEntry> topicNamed(
      String name, SchemaRegistry registry) {
    return new Topic<>(
        name,
        Serdes.String(),
        AvroSerde.forValue(registry, SubmissionLedgerEntry.getClassSchema()));
  }

  /**
   * Replaces the view of {@code partition} by {@code entries} read from the ledger topic, without
   * those older than the retention at {@code now}.
   */
  public void load(int partition, Map<String, SubmissionLedgerEntry> entries, Instant now) {
    Map<String, SubmissionLedgerEntry> copy = new HashMap<>(entries);
    byPartition.put(partition, copy);
    prune(copy, now);
  }

  /** Forgets a partition this instance no longer owns. */
  public void drop(int partition) {
    byPartition.remove(partition);
  }

  /** The latest committed entry of {@code requestId} in {@code partition}. */
  public Optional<SubmissionLedgerEntry> find(int partition, String requestId) {
    return Optional.ofNullable(entries(partition).get(requestId));
  }

  /** Every entry of {@code partition} (read-only). */
  public Map<String, SubmissionLedgerEntry> entries(int partition) {
    Map<String, SubmissionLedgerEntry> entries = byPartition.get(partition);
    if (entries == null) {
      throw new IllegalStateException("ledger of partition " + partition + " is not loaded");
    }
    return java.util.Collections.unmodifiableMap(entries);
  }

  /** Records an entry whose transaction committed. */
  public void record(int partition, SubmissionLedgerEntry entry) {
    byPartition.computeIfAbsent(partition, p -> new HashMap<>()).put(entry.getRequestId(), entry);
  }

  /**
   * Forgets, in every partition, the entries recorded more than the retention before {@code now}.
   */
  public int prune(Instant now) {
    int removed = 0;
    for (Map<String, SubmissionLedgerEntry> entries : byPartition.values()) {
      removed += prune(entries, now);
    }
    return removed;
  }

  /** Number of entries held in memory. */
  public int size() {
    return byPartition.values().stream().mapToInt(Map::size).sum();
  }

  private int prune(Map<String, SubmissionLedgerEntry> entries, Instant now) {
    Instant cutoff = now.minus(retention);
    int before = entries.size();
    entries.values().removeIf(e -> e.getRecordedAt().isBefore(cutoff));
    return before - entries.size();
  }
}
