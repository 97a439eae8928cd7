package io.wanpipeline.submitter;

import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.runtime.logging.RequestLogContext;
import io.wanpipeline.runtime.loop.LoopStep;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submitter's intake, as the step of its {@link io.wanpipeline.runtime.loop.TransactionalLoop}:
 * keeps a queue per owned partition of {@code video-requests}, and hands each partition's head
 * record to the {@link RecordHandler}, one record per partition per round. Handling never calls the
 * provider; a record that must wait (the schema registry is unavailable) holds its partition back
 * without holding the others, and the wait is spent inside {@code poll}, so the consumer stays in
 * its group and nothing spins. Failures are the loop's to classify; a record whose outputs can
 * never be written is dead-lettered here.
 */
final class SubmissionLoop implements LoopStep {
  private static final Logger log = LoggerFactory.getLogger(SubmissionLoop.class);
  private static final Duration IDLE_POLL = Duration.ofSeconds(1);

  /** How long intake waits after the registry did not answer, and after an unexpected error. */
  static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(5);

  private final Clock clock;
  private final String requestsTopic;
  private final String ledgerTopic;
  private final Consumer<byte[], byte[]> consumer;
  private final LedgerReader ledgerReader;
  private final SubmissionLedger ledger;
  private final RecordHandler handler;
  private final Runnable prepare;
  private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> queues =
      new HashMap<>();
  private final Map<TopicPartition, Instant> waitUntil = new HashMap<>();
  private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
  private Instant nextPrune = Instant.MIN;

  SubmissionLoop(
      Clock clock,
      String requestsTopic,
      String ledgerTopic,
      Consumer<byte[], byte[]> consumer,
      LedgerReader ledgerReader,
      SubmissionLedger ledger,
      RecordHandler handler,
      Runnable prepare) {
    this.clock = clock;
    this.prepare = prepare;
    this.requestsTopic = requestsTopic;
    this.ledgerTopic = ledgerTopic;
    this.consumer = consumer;
    this.ledgerReader = ledgerReader;
    this.ledger = ledger;
    this.handler = handler;
  }

  @Override
  public Collection<String> topics() {
    return List.of(requestsTopic);
  }

  @Override
  public void prepare() {
    CoPartitioning.check(consumer, requestsTopic, ledgerTopic, "the submission ledger");
    prepare.run();
  }

  @Override
  public void read(ConsumerRecords<byte[], byte[]> batch) {
    for (TopicPartition tp : batch.partitions()) {
      ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = queues.get(tp);
      if (queue != null) {
        queue.addAll(batch.records(tp));
      }
    }
  }

  @Override
  public void work(boolean stopping) {
    pauseBusyPartitions();
    processRound();
    pruneLedger();
  }

  @Override
  public void rewind() {
    reset();
  }

  @Override
  public void close() {
    try {
      ledgerReader.close();
    } catch (RuntimeException e) {
      log.warn("closing the ledger reader failed: {}", e.toString());
    }
  }

  private void processRound() {
    for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e :
        List.copyOf(queues.entrySet())) {
      TopicPartition tp = e.getKey();
      ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = e.getValue();
      Instant until = waitUntil.get(tp);
      if (queue.isEmpty() || (until != null && until.isAfter(clock.instant()))) {
        continue;
      }
      RecordHandler.Handled handled = handleOrRoute(queue.peek());
      if (handled instanceof RecordHandler.Handled.WaitUntil wait) {
        waitUntil.put(tp, wait.at());
      } else {
        queue.poll();
        waitUntil.remove(tp);
      }
    }
  }

  /**
   * Handles {@code record}; one whose outputs can never be written goes to the dead-letter topic
   * instead of being read again forever. If not even its dead letter can be written, the loop
   * stops: it cannot move past the record without losing it.
   */
  @SuppressWarnings("try") // the scope is the logging context of the body
  private RecordHandler.Handled handleOrRoute(ConsumerRecord<byte[], byte[]> record) {
    try (var scope = RequestLogContext.of(RequestLogContext.fromKey(record.key()), null, null)) {
      return handler.handle(record);
    } catch (TransactionalWriter.Unwritable unwritable) {
      try {
        return handler.unwritable(record, unwritable);
      } catch (TransactionalWriter.Unwritable deadLetterUnwritable) {
        throw new TransactionalWriter.Fatal(
            "cannot write even the dead letter of topic="
                + record.topic()
                + " partition="
                + record.partition()
                + " offset="
                + record.offset()
                + ": "
                + deadLetterUnwritable.reason(),
            deadLetterUnwritable);
      }
    }
  }

  private void pruneLedger() {
    Instant now = clock.instant();
    if (now.isBefore(nextPrune)) {
      return;
    }
    nextPrune = now.plus(PRUNE_EVERY);
    int removed = ledger.prune(now);
    if (removed > 0) {
      log.info("forgot {} submission ledger entries past the dedupe retention", removed);
    }
  }

  @Override
  public Duration pollTimeout() {
    Instant now = clock.instant();
    Duration timeout = IDLE_POLL;
    for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e :
        queues.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue;
      }
      Instant until = waitUntil.get(e.getKey());
      if (until == null || !until.isAfter(now)) {
        return Duration.ZERO;
      }
      Duration left = Duration.between(now, until);
      if (left.compareTo(timeout) < 0) {
        timeout = left;
      }
    }
    return timeout;
  }

  private void pauseBusyPartitions() {
    Set<TopicPartition> busy = new HashSet<>();
    Set<TopicPartition> idle = new HashSet<>();
    queues.forEach((tp, q) -> (q.isEmpty() ? idle : busy).add(tp));
    Set<TopicPartition> paused = consumer.paused();
    Set<TopicPartition> toPause =
        busy.stream().filter(tp -> !paused.contains(tp)).collect(Collectors.toSet());
    Set<TopicPartition> toResume =
        idle.stream().filter(paused::contains).collect(Collectors.toSet());
    if (!toPause.isEmpty()) {
      consumer.pause(toPause);
    }
    if (!toResume.isEmpty()) {
      consumer.resume(toResume);
    }
  }

  /** Forgets everything in memory and starts the owned partitions again from committed state. */
  private void reset() {
    Set<TopicPartition> owned = Set.copyOf(queues.keySet());
    queues.values().forEach(ArrayDeque::clear);
    waitUntil.clear();
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(owned);
    for (TopicPartition tp : owned) {
      OffsetAndMetadata offset = committed.get(tp);
      if (offset == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, offset.offset());
      }
    }
    loadLedger(owned);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    // Fetching positions waits until no transaction of a previous owner of these partitions is
    // pending (read_committed offset fetch), so its ledger entries are committed or aborted before
    // the ledger is read below.
    for (TopicPartition tp : partitions) {
      consumer.position(tp);
    }
    loadLedger(partitions);
    for (TopicPartition tp : partitions) {
      queues.put(tp, new ArrayDeque<>());
      waitUntil.remove(tp);
    }
    log.info("assigned partitions={}", partitions);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    forget(partitions);
    if (!partitions.isEmpty()) {
      log.info("revoked partitions={}", partitions);
    }
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    forget(partitions);
    log.warn("lost partitions={}", partitions);
  }

  private void forget(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      queues.remove(tp);
      waitUntil.remove(tp);
      ledger.drop(tp.partition());
    }
  }

  private void loadLedger(Collection<TopicPartition> partitions) {
    Set<Integer> numbers =
        partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    Map<Integer, Map<String, SubmissionLedgerEntry>> loaded = ledgerReader.load(numbers);
    Instant now = clock.instant();
    loaded.forEach((p, entries) -> ledger.load(p, entries, now));
  }
}
