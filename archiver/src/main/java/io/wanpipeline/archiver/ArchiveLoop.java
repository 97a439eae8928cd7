package io.wanpipeline.archiver;

import io.wanpipeline.archiver.archive.VideoArchiver;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archiver's consume-transform-produce loop, on one thread that owns the consumer and the
 * transactional producer.
 *
 * <p>Records of a partition are handled strictly in order, one archive in flight per partition (so
 * its offsets can be committed in order); archives of different partitions run concurrently on the
 * workers while the loop keeps polling (busy partitions are paused, so the consumer stays in its
 * group however long a download takes). Each loop turn commits, in one transaction, the terminal
 * events finished since the last turn together with the consumed offsets ({@code
 * sendOffsetsToTransaction}): an event and the offset of the status it answers become visible
 * together or not at all. If a transaction aborts, every owned partition is rewound to its last
 * committed offset and its work is redone (the S3 key is deterministic, so nothing is uploaded
 * twice).
 *
 * <p>Besides exactly-once processing of each record, a duplicated SUCCEEDED event of a request is
 * skipped once the request's ARCHIVED or ARCHIVE_FAILED has been produced or read on the partition
 * (the archiver reads its own output, which lands after the event it answers).
 */
final class ArchiveLoop implements Runnable, ConsumerRebalanceListener {
  private static final Logger log = LoggerFactory.getLogger(ArchiveLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_QUEUED_PER_PARTITION = 1000;
  private static final int REMEMBERED_PER_PARTITION = 50_000;

  private final Consumer<byte[], byte[]> consumer;
  private final Producer<String, TaskStatus> producer;
  private final Topic<String, TaskStatus> taskStatus;
  private final VideoArchiver archiver;
  private final Clock clock;
  private final Duration shutdownGrace;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final AtomicLong archived;
  private final AtomicLong failed;

  private final Map<TopicPartition, PartitionWork> owned = new HashMap<>();
  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  private final List<ProducerRecord<String, TaskStatus>> pendingOutputs = new ArrayList<>();
  private final Map<TopicPartition, OffsetAndMetadata> pendingOffsets = new HashMap<>();
  private final List<TaskStatus> pendingTerminal = new ArrayList<>();

  ArchiveLoop(
      Consumer<byte[], byte[]> consumer,
      Producer<String, TaskStatus> producer,
      Topic<String, TaskStatus> taskStatus,
      VideoArchiver archiver,
      Clock clock,
      Duration shutdownGrace,
      AtomicLong archived,
      AtomicLong failed) {
    this.consumer = consumer;
    this.producer = producer;
    this.taskStatus = taskStatus;
    this.archiver = archiver;
    this.clock = clock;
    this.shutdownGrace = shutdownGrace;
    this.archived = archived;
    this.failed = failed;
  }

  /** Asks the loop to finish: no new archives, in-flight ones get the shutdown grace. */
  void requestStop() {
    stopRequested.set(true);
  }

  @Override
  public void run() {
    try {
      producer.initTransactions();
      consumer.subscribe(List.of(taskStatus.name()), this);
      while (!stopRequested.get()) {
        turn(true);
      }
      Instant graceEnd = clock.instant().plus(shutdownGrace);
      while (anyInFlight() && clock.instant().isBefore(graceEnd)) {
        turn(false);
      }
      if (anyInFlight()) {
        log.info(
            "Shutdown grace over, abandoning archives in flight (the next owner redoes them):"
                + " topic={}",
            taskStatus.name());
      }
    } finally {
      owned.values().forEach(PartitionWork::abandon);
      try {
        consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
      } catch (RuntimeException e) {
        log.warn("Closing the archiver consumer failed: topic={}", taskStatus.name(), e);
      }
      producer.close(CLOSE_TIMEOUT);
    }
  }

  private void turn(boolean startNew) {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
    for (TopicPartition tp : records.partitions()) {
      PartitionWork work = owned.get(tp);
      if (work != null) {
        work.queue.addAll(records.records(tp));
      }
    }
    collectCompletions();
    if (startNew) {
      owned.values().forEach(this::advance);
    }
    commit();
    updatePauses();
  }

  private boolean anyInFlight() {
    return owned.values().stream().anyMatch(w -> w.inFlight != null);
  }

  /** Handles queued records of one partition in order until one needs archiving. */
  private void advance(PartitionWork work) {
    while (work.inFlight == null && !work.queue.isEmpty()) {
      ConsumerRecord<byte[], byte[]> record = work.queue.poll();
      TaskStatus status = decode(record);
      if (status != null && status.getRequestId() != null) {
        TaskState state = status.getState();
        if (state == TaskState.ARCHIVED || state == TaskState.ARCHIVE_FAILED) {
          work.remember(status.getRequestId());
        } else if (state == TaskState.SUCCEEDED || state == TaskState.LATE_SUCCEEDED) {
          if (work.answered(status.getRequestId())) {
            log.debug(
                "Duplicate success of an archived request skipped: requestId={}, taskId={},"
                    + " offset={}",
                status.getRequestId(),
                status.getTaskId(),
                record.offset());
          } else {
            start(work, record, status);
            return;
          }
        }
      }
      pendingOffsets.put(work.tp, new OffsetAndMetadata(record.offset() + 1));
    }
  }

  private void start(PartitionWork work, ConsumerRecord<byte[], byte[]> record, TaskStatus s) {
    log.debug(
        "Archiving: requestId={}, taskId={}, partition={}, offset={}",
        s.getRequestId(),
        s.getTaskId(),
        record.partition(),
        record.offset());
    CompletableFuture<TaskStatus> future = archiver.archive(s);
    InFlight inFlight = new InFlight(record, s, future);
    work.inFlight = inFlight;
    future.whenComplete((out, error) -> completions.add(new Completion(work, inFlight, out)));
  }

  private void collectCompletions() {
    Completion c;
    while ((c = completions.poll()) != null) {
      PartitionWork work = owned.get(c.work.tp);
      if (work != c.work || work.inFlight != c.inFlight) {
        continue; // the partition was revoked or rewound meanwhile
      }
      work.inFlight = null;
      if (c.terminal == null) {
        // Abandoned (shutdown): not committed, so the next owner redoes it.
        work.queue.addFirst(c.inFlight.record);
        continue;
      }
      String requestId = c.inFlight.status.getRequestId();
      pendingOutputs.add(new ProducerRecord<>(taskStatus.name(), requestId, c.terminal));
      pendingTerminal.add(c.terminal);
      work.remember(requestId);
      pendingOffsets.put(work.tp, new OffsetAndMetadata(c.inFlight.record.offset() + 1));
    }
  }

  private void commit() {
    if (pendingOutputs.isEmpty() && pendingOffsets.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pendingOffsets);
    List<TaskStatus> terminal = new ArrayList<>(pendingTerminal);
    try {
      producer.beginTransaction();
      for (ProducerRecord<String, TaskStatus> out : pendingOutputs) {
        producer.send(out);
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      producer.commitTransaction();
      offsets.forEach(
          (tp, offset) -> {
            PartitionWork work = owned.get(tp);
            if (work != null) {
              work.committed = offset.offset();
            }
          });
      for (TaskStatus t : terminal) {
        (t.getState() == TaskState.ARCHIVED ? archived : failed).incrementAndGet();
      }
    } catch (ProducerFencedException
        | InvalidProducerEpochException
        | OutOfOrderSequenceException
        | AuthorizationException
        | UnsupportedVersionException e) {
      throw e;
    } catch (KafkaException e) {
      log.warn(
          "Archiver transaction aborted, rewinding to the last commit: topic={}, events={},"
              + " reason={}",
          taskStatus.name(),
          terminal.size(),
          e.toString());
      producer.abortTransaction();
      rewind();
    } finally {
      pendingOutputs.clear();
      pendingOffsets.clear();
      pendingTerminal.clear();
    }
  }

  private void rewind() {
    for (TopicPartition tp : new ArrayList<>(owned.keySet())) {
      PartitionWork old = owned.get(tp);
      old.abandon();
      owned.put(tp, new PartitionWork(tp, old.committed));
      consumer.seek(tp, old.committed);
    }
  }

  private void updatePauses() {
    Set<TopicPartition> paused = consumer.paused();
    List<TopicPartition> toPause = new ArrayList<>();
    List<TopicPartition> toResume = new ArrayList<>();
    for (PartitionWork work : owned.values()) {
      boolean busy =
          work.inFlight != null
              || work.queue.size() >= MAX_QUEUED_PER_PARTITION
              || stopRequested.get();
      if (busy && !paused.contains(work.tp)) {
        toPause.add(work.tp);
      } else if (!busy && paused.contains(work.tp)) {
        toResume.add(work.tp);
      }
    }
    if (!toPause.isEmpty()) {
      consumer.pause(toPause);
    }
    if (!toResume.isEmpty()) {
      consumer.resume(toResume);
    }
  }

  private TaskStatus decode(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return null;
    }
    try {
      return taskStatus.value(record.value());
    } catch (RuntimeException e) {
      log.warn(
          "Unreadable status record skipped: topic={}, partition={}, offset={}, reason={}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      return null;
    }
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      owned.put(tp, new PartitionWork(tp, consumer.position(tp)));
    }
    log.info("Archiver partitions assigned: partitions={}", partitions);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    collectCompletions();
    commit();
    for (TopicPartition tp : partitions) {
      PartitionWork work = owned.remove(tp);
      if (work != null) {
        work.abandon();
      }
    }
    if (!partitions.isEmpty()) {
      log.info("Archiver partitions revoked: partitions={}", partitions);
    }
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      PartitionWork work = owned.remove(tp);
      if (work != null) {
        work.abandon();
      }
    }
    log.warn("Archiver partitions lost, their work is abandoned: partitions={}", partitions);
  }

  /** What the loop knows about one owned partition. */
  private static final class PartitionWork {
    final TopicPartition tp;
    final ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = new ArrayDeque<>();
    final Set<String> answered =
        java.util.Collections.newSetFromMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
              private static final long serialVersionUID = 1L;

              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > REMEMBERED_PER_PARTITION;
              }
            });
    InFlight inFlight;
    long committed;

    PartitionWork(TopicPartition tp, long committed) {
      this.tp = tp;
      this.committed = committed;
    }

    void remember(String requestId) {
      answered.add(requestId);
    }

    boolean answered(String requestId) {
      return answered.contains(requestId);
    }

    void abandon() {
      if (inFlight != null) {
        inFlight.future.cancel(false);
        inFlight = null;
      }
      queue.clear();
    }
  }

  private record InFlight(
      ConsumerRecord<byte[], byte[]> record,
      TaskStatus status,
      CompletableFuture<TaskStatus> future) {}

  private record Completion(PartitionWork work, InFlight inFlight, TaskStatus terminal) {}
}
