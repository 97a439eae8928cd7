package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.submitter.LedgerReader;
import io.wanpipeline.submitter.SubmissionLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The queue partitions a dispatcher owns, and from where each is read: adopting one loads its
 * dispatch ledger and reads {@code task-status} to its end first, so the previous owner's entries
 * and SUBMITTED events count before any of its lanes is dispatched here; rewinding one starts it
 * again from its last committed offset.
 */
final class QueuePartitions {
  private final Clock clock;
  private final Consumer<byte[], byte[]> consumer;
  private final LedgerReader ledgerReader;
  private final SubmissionLedger ledger;
  private final StatusFollower follower;
  private final Duration loadTimeout;
  private final Map<Integer, OwnedPartition> owned = new HashMap<>();

  QueuePartitions(
      Clock clock,
      Consumer<byte[], byte[]> consumer,
      LedgerReader ledgerReader,
      SubmissionLedger ledger,
      StatusFollower follower,
      Duration loadTimeout) {
    this.clock = clock;
    this.consumer = consumer;
    this.ledgerReader = ledgerReader;
    this.ledger = ledger;
    this.follower = follower;
    this.loadTimeout = loadTimeout;
  }

  /** The owned partition numbered {@code partition}, or null. */
  OwnedPartition get(int partition) {
    return owned.get(partition);
  }

  /** Whether {@code o} is still owned (not revoked nor rewound since it was handed out). */
  boolean owns(OwnedPartition o) {
    return owned.get(o.partition()) == o;
  }

  Collection<OwnedPartition> all() {
    return owned.values();
  }

  Set<TopicPartition> topicPartitions() {
    return owned.values().stream().map(o -> o.tp).collect(Collectors.toSet());
  }

  /** Whether {@code o} has been read up to where it ended when it was assigned. */
  boolean caughtUp(OwnedPartition o) {
    return consumer.position(o.tp) >= o.catchUpTo;
  }

  /** Whether a lane of a partition that {@code which} selects has a call in flight. */
  boolean anyInFlight(Predicate<OwnedPartition> which) {
    return owned.values().stream()
        .filter(which)
        .flatMap(o -> o.lanes.values().stream())
        .anyMatch(Lane::inFlight);
  }

  /** The committable offset of every owned partition: every transaction carries them. */
  Map<TopicPartition, Long> offsets() {
    Map<TopicPartition, Long> out = new HashMap<>();
    owned.values().forEach(o -> out.put(o.tp, o.offsets.committable()));
    return out;
  }

  /** Takes {@code partitions} on, from the consumer's positions. */
  void adopt(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    // Fetching positions waits until no transaction of a previous owner is pending
    // (read_committed), so its ledger entries are committed or aborted before the ledger is read.
    Map<TopicPartition, Long> positions = new HashMap<>();
    for (TopicPartition tp : partitions) {
      positions.put(tp, consumer.position(tp));
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Set<Integer> numbers =
        partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    Map<Integer, Map<String, SubmissionLedgerEntry>> loaded = ledgerReader.load(numbers);
    // The previous owner's last SUBMITTED events count before its lanes are dispatched here.
    follower.readToEnd(loadTimeout);
    Instant now = clock.instant();
    for (TopicPartition tp : partitions) {
      ledger.load(tp.partition(), loaded.getOrDefault(tp.partition(), Map.of()), now);
      owned.put(
          tp.partition(), new OwnedPartition(tp, positions.get(tp), end.getOrDefault(tp, 0L)));
    }
  }

  /** Forgets every owned partition and adopts it again from its last committed offset. */
  void rewindToCommitted() {
    Set<TopicPartition> tps = topicPartitions();
    forget(tps);
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(tps);
    for (TopicPartition tp : tps) {
      OffsetAndMetadata offset = committed.get(tp);
      if (offset == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, offset.offset());
      }
    }
    adopt(tps);
  }

  /** Forgets {@code partitions} and their ledger entries. */
  void forget(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      owned.remove(tp.partition());
      ledger.drop(tp.partition());
    }
  }
}
