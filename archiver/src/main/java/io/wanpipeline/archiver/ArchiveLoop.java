package io.wanpipeline.archiver;

import io.wanpipeline.archiver.archive.ArchiveMeters;
import io.wanpipeline.archiver.archive.BacklogWatch;
import io.wanpipeline.archiver.archive.PendingArchives;
import io.wanpipeline.archiver.archive.VideoArchiver;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.loop.LoopStep;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.schemas.registry.SchemaRegistryException;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archiver's work, as the step of its {@link io.wanpipeline.runtime.loop.TransactionalLoop}
 * (which owns the consumer, the transactional producer and the classification of failures).
 *
 * <p>Consumed SUCCEEDED and LATE_SUCCEEDED records of all owned partitions go into one queue
 * ({@link PendingArchives}) ordered by their result link's expiry (soonest first, then offset): at
 * most {@code archiver.workers} archives run at once, never two of one request, while the loop
 * keeps polling (when the queue is full every partition is paused, so the consumer stays in its
 * group however long the backlog is). Each partition is committed only up to its lowest unfinished
 * record. Each loop turn commits, in one transaction, the terminal events finished since the last
 * turn together with the consumed offsets ({@code sendOffsetsToTransaction}): an event and the
 * offset of the status it answers become visible together or not at all. If a transaction aborts
 * (or the registry does not answer when an event is serialized, after which the loop pauses reading
 * {@link #REGISTRY_RETRY}), every owned partition is rewound to its last committed offset and its
 * work is redone (the S3 key is deterministic, so nothing is uploaded twice).
 *
 * <p>Besides exactly-once processing of each record, a duplicated SUCCEEDED event of a request is
 * skipped once the request's ARCHIVED or ARCHIVE_FAILED has been produced or read on the partition
 * (the archiver reads its own output). About once a second a {@link BacklogWatch} estimates when
 * each queued request will start and warns (once per request) about those that would start less
 * than {@code archiver.expiry-margin} before their link expires.
 *
 * <p>Over 400 lines: the archive queue, the completions and the commit positions are one state of
 * the loop's thread (the loop itself is the runtime's).
 */
final class ArchiveLoop implements LoopStep {
  private static final Logger log = LoggerFactory.getLogger(ArchiveLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

  /**
   * The poll's wait while archives are in flight: a finished archive is seen at the next turn, so
   * its terminal event is committed within about this long of the upload's end, not up to {@link
   * #POLL_TIMEOUT} (the archiver benchmark's rounds of four 64 MiB videos lost 50 ms in 2 s on
   * average to it).
   */
  static final Duration BUSY_POLL_TIMEOUT = Duration.ofMillis(10);

  /** How long reading pauses when the schema registry did not answer about a record's schema. */
  static final Duration REGISTRY_RETRY = Duration.ofSeconds(1);

  /** How long reading pauses after an unexpected error (the loop dies on none any more). */
  static final Duration RETRY_AFTER_ERROR = Duration.ofSeconds(5);

  /** How long closing the consumer and the producer may take, each. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration BACKLOG_CHECK_INTERVAL = Duration.ofSeconds(1);
  private static final int MAX_QUEUED = 1000;
  private static final int REMEMBERED_PER_PARTITION = 50_000;

  private final Consumer<byte[], byte[]> consumer;
  private final TransactionalWriter<String, TaskStatus> writer;
  private final Topic<String, TaskStatus> taskStatus;
  private final VideoArchiver archiver;
  private final Clock clock;
  private boolean stopping;
  private final ArchiveMeters meters;

  private final PendingArchives<TaskStatus> pending;
  private final BacklogWatch backlog;
  private Instant nextBacklogCheck = Instant.MIN;
  private final Map<String, PartitionWork> owned = new HashMap<>();
  private Instant readingHeldUntil = Instant.MIN;
  private final Map<PendingArchives.Entry<TaskStatus>, Running> running = new HashMap<>();
  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  private final List<ProducerRecord<String, TaskStatus>> pendingOutputs = new ArrayList<>();
  private final List<Finished> pendingTerminal = new ArrayList<>();

  ArchiveLoop(
      Consumer<byte[], byte[]> consumer,
      TransactionalWriter<String, TaskStatus> writer,
      Topic<String, TaskStatus> taskStatus,
      VideoArchiver archiver,
      Clock clock,
      int workers,
      Duration expiryMargin,
      ArchiveMeters meters) {
    this.consumer = consumer;
    this.writer = writer;
    this.taskStatus = taskStatus;
    this.archiver = archiver;
    this.clock = clock;
    this.meters = meters;
    this.pending = new PendingArchives<>(workers);
    this.backlog = new BacklogWatch(expiryMargin, workers);
  }

  @Override
  public Collection<String> topics() {
    return List.of(taskStatus.name());
  }

  @Override
  public Duration pollTimeout() {
    return anyInFlight() ? BUSY_POLL_TIMEOUT : POLL_TIMEOUT;
  }

  @Override
  public void read(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition tp : records.partitions()) {
      PartitionWork work = owned.get(tp.toString());
      if (work == null) {
        continue;
      }
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
        try {
          accept(work, r);
        } catch (RegistryUnavailable e) {
          // Read this record again later: skipping it could leave a success unarchived.
          consumer.seek(tp, r.offset());
          readingHeldUntil = clock.instant().plus(REGISTRY_RETRY);
          log.warn(
              "Schema registry unavailable, reading again in {} ms: topic={}, partition={},"
                  + " offset={}, reason={}",
              REGISTRY_RETRY.toMillis(),
              r.topic(),
              r.partition(),
              r.offset(),
              e.getCause().getMessage());
          break;
        }
      }
    }
  }

  /** Once stopping, no new archive starts; those in flight get the loop's shutdown grace. */
  @Override
  public void work(boolean stopping) {
    this.stopping = stopping;
    collectCompletions();
    if (!stopping) {
      startReady();
    }
    checkBacklog();
    commit();
    updatePauses();
    meters.backlog(pending.queuedCount(), pending.inFlightCount());
  }

  @Override
  public boolean busy() {
    return anyInFlight();
  }

  /** Abandons what is left (the next owner redoes it), before the consumer is closed. */
  @Override
  public void close() {
    new ArrayList<>(owned.values()).forEach(this::abandon);
  }

  private boolean anyInFlight() {
    return pending.inFlightCount() > 0;
  }

  /** Queues a record that needs archiving; passes every other one. */
  private void accept(PartitionWork work, ConsumerRecord<byte[], byte[]> record) {
    TaskStatus status = decode(record);
    if (status != null && status.getRequestId() != null) {
      TaskState state = status.getState();
      if (state == TaskState.ARCHIVED || state == TaskState.ARCHIVE_FAILED) {
        work.remember(status.getRequestId());
      } else if (state == TaskState.SUCCEEDED || state == TaskState.LATE_SUCCEEDED) {
        if (!work.answered(status.getRequestId())) {
          pending.add(
              work.name,
              record.offset(),
              status.getRequestId(),
              VideoArchiver.linkExpiry(status),
              status);
          return;
        }
        logDuplicate(status, record.offset());
      }
    }
    pending.pass(work.name, record.offset());
  }

  /** Starts queued archives, soonest expiry first, while workers are free. */
  private void startReady() {
    Optional<PendingArchives.Entry<TaskStatus>> next;
    while ((next = pending.start(this::caughtUp)).isPresent()) {
      PendingArchives.Entry<TaskStatus> entry = next.get();
      PartitionWork work = owned.get(entry.partition());
      if (work == null || work.answered(entry.requestId())) {
        // Answered meanwhile (a duplicate whose first copy was archived, or another archiver's).
        logDuplicate(entry.item(), entry.offset());
        pending.finish(entry);
        continue;
      }
      TaskStatus s = entry.item();
      log.debug(
          "Archiving: requestId={}, taskId={}, partition={}, offset={}, expiresAt={}",
          s.getRequestId(),
          s.getTaskId(),
          entry.partition(),
          entry.offset(),
          entry.expiresAt());
      CompletableFuture<TaskStatus> future = archiver.archive(s);
      Running r = new Running(future, clock.instant());
      running.put(entry, r);
      future.whenComplete((out, error) -> completions.add(new Completion(entry, r, out)));
    }
  }

  private static void logDuplicate(TaskStatus status, long offset) {
    log.debug(
        "Duplicate success of an archived request skipped: requestId={}, taskId={}, offset={}",
        status.getRequestId(),
        status.getTaskId(),
        offset);
  }

  private void collectCompletions() {
    Completion c;
    while ((c = completions.poll()) != null) {
      if (running.get(c.entry) != c.running) {
        continue; // the partition was revoked or rewound meanwhile
      }
      running.remove(c.entry);
      if (c.terminal == null) {
        // Abandoned (shutdown): not committed, so the next owner redoes it.
        pending.requeue(c.entry);
        continue;
      }
      PartitionWork work = owned.get(c.entry.partition());
      if (work == null || !pending.finish(c.entry)) {
        continue;
      }
      backlog.recordDuration(Duration.between(c.running.startedAt, clock.instant()));
      String requestId = c.entry.requestId();
      pendingOutputs.add(new ProducerRecord<>(taskStatus.name(), requestId, c.terminal));
      pendingTerminal.add(new Finished(c.terminal, c.running.startedAt));
      work.remember(requestId);
    }
  }

  /** Warns, once per request, about queued archives estimated to start too close to expiry. */
  private void checkBacklog() {
    Instant now = clock.instant();
    if (now.isBefore(nextBacklogCheck)) {
      return;
    }
    nextBacklogCheck = now.plus(BACKLOG_CHECK_INTERVAL);
    List<BacklogWatch.Queued> queue = new ArrayList<>();
    for (PendingArchives.Entry<TaskStatus> e : pending.queuedInOrder()) {
      queue.add(new BacklogWatch.Queued(e.requestId(), e.item().getTaskId(), e.expiresAt()));
    }
    for (BacklogWatch.AtRisk risk : backlog.check(queue, pending.inFlightCount(), now)) {
      log.warn(
          "Archive backlog may miss a result link's expiry: requestId={}, taskId={},"
              + " expiresAt={}, estimatedStart={}, queued={}, averageArchive={}",
          risk.request().requestId(),
          risk.request().taskId(),
          risk.request().expiresAt(),
          risk.estimatedStart(),
          queue.size(),
          backlog.averageDuration());
    }
    meters.expiryAtRisk(backlog.atRiskCount());
  }

  /**
   * Commits the events finished since the last turn with the offsets they allow; a failure leaves
   * the loop (which rewinds, see {@link #rewind()}), and the finished events are redone.
   */
  private void commit() {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    for (PartitionWork work : owned.values()) {
      OptionalLong position = pending.commitPosition(work.name);
      if (position.isPresent() && position.getAsLong() > work.committed) {
        offsets.put(work.tp, position.getAsLong());
      }
    }
    if (pendingOutputs.isEmpty() && offsets.isEmpty()) {
      return;
    }
    List<Finished> terminal = new ArrayList<>(pendingTerminal);
    try {
      writer.commit(List.copyOf(pendingOutputs), offsets);
    } finally {
      pendingOutputs.clear();
      pendingTerminal.clear();
    }
    offsets.forEach(
        (tp, offset) -> {
          PartitionWork work = owned.get(tp.toString());
          if (work != null) {
            work.committed = offset;
          }
        });
    Instant committedAt = clock.instant();
    for (Finished f : terminal) {
      meters.committed(f.terminal, Duration.between(f.startedAt, committedAt));
    }
  }

  /** Drops every owned partition's work and seeks it back to its last committed offset. */
  @Override
  public void rewind() {
    for (PartitionWork old : new ArrayList<>(owned.values())) {
      abandon(old);
      owned.put(old.name, new PartitionWork(old.tp, old.committed));
      pending.assign(old.name, old.committed);
      consumer.seek(old.tp, old.committed);
    }
  }

  /** Drops a partition's queued entries and cancels its archives in flight. */
  private void abandon(PartitionWork work) {
    for (PendingArchives.Entry<TaskStatus> e : pending.drop(work.name)) {
      Running r = running.remove(e);
      if (r != null) {
        r.future.cancel(false);
      }
    }
  }

  private void updatePauses() {
    Set<TopicPartition> paused = consumer.paused();
    boolean busy =
        pending.queuedCount() >= MAX_QUEUED
            || stopping
            || clock.instant().isBefore(readingHeldUntil);
    List<TopicPartition> toPause = new ArrayList<>();
    List<TopicPartition> toResume = new ArrayList<>();
    for (PartitionWork work : owned.values()) {
      // A partition still catching up keeps being read even when the queue is full: its queued
      // archives cannot start before it has caught up.
      boolean hold = busy && caughtUp(work.name);
      if (hold && !paused.contains(work.tp)) {
        toPause.add(work.tp);
      } else if (!hold && paused.contains(work.tp)) {
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
      if (SchemaRegistryException.unavailable(e)) {
        throw new RegistryUnavailable(e);
      }
      log.warn(
          "Unreadable status record skipped: topic={}, partition={}, offset={}, reason={}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
      return null;
    }
  }

  /**
   * Whether the loop has read {@code partition} up to where it ended when it was assigned. Until
   * then no archive of it starts: the previous owner commits offsets only up to its lowest
   * unfinished archive, so an ARCHIVED it wrote for a later success may lie after a SUCCEEDED read
   * again here, and must be seen before that success is archived a second time.
   */
  private boolean caughtUp(String partition) {
    PartitionWork work = owned.get(partition);
    if (work == null) {
      return false;
    }
    if (!work.caughtUp) {
      work.caughtUp = consumer.position(work.tp) >= work.catchUpTo;
    }
    return work.caughtUp;
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    Map<TopicPartition, Long> ends =
        partitions.isEmpty() ? Map.of() : consumer.endOffsets(partitions);
    for (TopicPartition tp : partitions) {
      long position = consumer.position(tp);
      PartitionWork work = new PartitionWork(tp, position);
      work.catchUpTo = ends.getOrDefault(tp, position);
      owned.put(tp.toString(), work);
      pending.assign(tp.toString(), position);
    }
    shareChanged(!partitions.isEmpty());
    log.info("Archiver partitions assigned: partitions={}", partitions);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    try {
      collectCompletions();
      commit();
    } finally {
      // A failed commit leaves poll, and the loop rewinds the partitions still owned.
      for (TopicPartition tp : partitions) {
        PartitionWork work = owned.remove(tp.toString());
        if (work != null) {
          abandon(work);
        }
      }
      shareChanged(false);
      if (!partitions.isEmpty()) {
        log.info("Archiver partitions revoked: partitions={}", partitions);
      }
    }
  }

  /** Tells the archiver which part of the account's link-query reserve it now has. */
  private void shareChanged(boolean assigned) {
    int total;
    try {
      total = consumer.partitionsFor(taskStatus.name()).size();
    } catch (RuntimeException e) {
      // Without the partition count, spend nothing rather than risk the account's budget.
      log.warn(
          "Cannot read the partition count; no link queries until the next rebalance: topic={}",
          taskStatus.name(),
          e);
      total = 0;
    }
    archiver.partitionsOwned(owned.size(), total, assigned, clock.instant());
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      PartitionWork work = owned.remove(tp.toString());
      if (work != null) {
        abandon(work);
      }
    }
    shareChanged(false);
    log.warn("Archiver partitions lost, their work is abandoned: partitions={}", partitions);
  }

  /** What the loop knows about one owned partition besides its queued records. */
  private static final class PartitionWork {
    final TopicPartition tp;
    final String name;
    final Set<String> answered =
        java.util.Collections.newSetFromMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
              private static final long serialVersionUID = 1L;

              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > REMEMBERED_PER_PARTITION;
              }
            });
    long committed;
    // The partition's end (read_committed) when it was assigned, and whether it has been read to
    // it.
    long catchUpTo;
    boolean caughtUp;

    PartitionWork(TopicPartition tp, long committed) {
      this.tp = tp;
      this.name = tp.toString();
      this.committed = committed;
    }

    void remember(String requestId) {
      answered.add(requestId);
    }

    boolean answered(String requestId) {
      return answered.contains(requestId);
    }
  }

  private record Running(CompletableFuture<TaskStatus> future, Instant startedAt) {}

  /** A terminal event waiting for its commit, and when its archive started. */
  private record Finished(TaskStatus terminal, Instant startedAt) {}

  private record Completion(
      PendingArchives.Entry<TaskStatus> entry, Running running, TaskStatus terminal) {}

  /** The registry did not answer about a record's schema: the record must be read again. */
  private static final class RegistryUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RegistryUnavailable(RuntimeException cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }
}
