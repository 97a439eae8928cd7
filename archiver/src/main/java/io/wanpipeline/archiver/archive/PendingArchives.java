package io.wanpipeline.archiver.archive;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The archiver's work queue across its owned partitions: which request to archive next (soonest
 * link expiry first, then lowest offset), how many run at once, and up to which offset each
 * partition may be committed.
 *
 * <p>Every consumed record of a partition is either {@linkplain #pass passed} (nothing to archive)
 * or {@linkplain #add added}; a partition can be committed up to its lowest unfinished offset (a
 * record queued or in flight), or past the last record seen when nothing is unfinished, so a crash
 * never skips an unarchived request. At most {@code maxInFlight} entries are started at once and
 * never two of the same request id. Not thread-safe: the archive loop owns it.
 *
 * @param <T> what the loop keeps with each entry (the decoded event)
 */
public final class PendingArchives<T> {
  private static final Comparator<Entry<?>> ORDER =
      Comparator.<Entry<?>, Instant>comparing(Entry::expiresAt)
          .thenComparingLong(Entry::offset)
          .thenComparing(Entry::partition);

  private final int maxInFlight;
  private final TreeSet<Entry<T>> queued = new TreeSet<>(ORDER);
  private final Set<Entry<T>> inFlight = new HashSet<>();
  private final Set<String> requestsInFlight = new HashSet<>();
  private final Map<String, Partition> partitions = new HashMap<>();

  /**
   * @param maxInFlight how many entries may be started and not yet finished at once
   */
  public PendingArchives(int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    this.maxInFlight = maxInFlight;
  }

  /**
   * One record waiting to be archived or being archived.
   *
   * @param partition the partition's name (topic-partition)
   * @param offset the record's offset
   * @param requestId the request it archives
   * @param expiresAt when its result link expires (or the best guess)
   * @param item what the loop keeps with it
   */
  public record Entry<T>(
      String partition, long offset, String requestId, Instant expiresAt, T item) {
    public Entry {
      Objects.requireNonNull(partition, "partition");
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(expiresAt, "expiresAt");
    }

    // Identity is the record's position: two entries never share partition and offset.
    @Override
    public boolean equals(Object o) {
      return o instanceof Entry<?> e && e.partition.equals(partition) && e.offset == offset;
    }

    @Override
    public int hashCode() {
      return partition.hashCode() * 31 + Long.hashCode(offset);
    }
  }

  private static final class Partition {
    final TreeSet<Long> unfinished = new TreeSet<>();
    long next;

    Partition(long next) {
      this.next = next;
    }
  }

  /** Starts tracking {@code partition}, whose next record is at {@code position}. */
  public void assign(String partition, long position) {
    partitions.put(partition, new Partition(position));
  }

  /**
   * Stops tracking {@code partition} (revoked, lost or rewound): its queued entries are dropped.
   *
   * @return its entries that were in flight (the caller cancels them)
   */
  public List<Entry<T>> drop(String partition) {
    partitions.remove(partition);
    queued.removeIf(e -> e.partition.equals(partition));
    List<Entry<T>> dropped = new ArrayList<>();
    for (Iterator<Entry<T>> it = inFlight.iterator(); it.hasNext(); ) {
      Entry<T> e = it.next();
      if (e.partition.equals(partition)) {
        it.remove();
        requestsInFlight.remove(e.requestId);
        dropped.add(e);
      }
    }
    return dropped;
  }

  /** Records that the record at {@code offset} needs no archiving. */
  public void pass(String partition, long offset) {
    Partition p = partitions.get(partition);
    if (p != null) {
      p.next = Math.max(p.next, offset + 1);
    }
  }

  /**
   * Queues a record to archive; ignored when {@code partition} is not tracked.
   *
   * @return the queued entry, or empty when the partition is not tracked
   */
  public Optional<Entry<T>> add(
      String partition, long offset, String requestId, Instant expiresAt, T item) {
    Partition p = partitions.get(partition);
    if (p == null) {
      return Optional.empty();
    }
    Entry<T> e = new Entry<>(partition, offset, requestId, expiresAt, item);
    if (p.unfinished.add(offset)) {
      queued.add(e);
    }
    p.next = Math.max(p.next, offset + 1);
    return Optional.of(e);
  }

  /**
   * The next entry to start, now marked in flight: the queued one with the soonest expiry (then the
   * lowest offset) whose request is not already in flight; empty when {@code maxInFlight} entries
   * run or nothing can start.
   */
  public Optional<Entry<T>> start() {
    return start(partition -> true);
  }

  /**
   * Like {@link #start()}, skipping the entries of partitions for which {@code ready} is false
   * (they stay queued, in order).
   */
  public Optional<Entry<T>> start(Predicate<String> ready) {
    if (inFlight.size() >= maxInFlight) {
      return Optional.empty();
    }
    for (Iterator<Entry<T>> it = queued.iterator(); it.hasNext(); ) {
      Entry<T> e = it.next();
      if (!requestsInFlight.contains(e.requestId) && ready.test(e.partition)) {
        it.remove();
        inFlight.add(e);
        requestsInFlight.add(e.requestId);
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /**
   * Finishes an entry (answered or skipped), so its partition can be committed past it.
   *
   * @return false when the entry is no longer tracked (its partition was dropped meanwhile)
   */
  public boolean finish(Entry<T> e) {
    Partition p = partitions.get(e.partition);
    if (p == null || !(inFlight.remove(e) || queued.remove(e))) {
      return false;
    }
    requestsInFlight.remove(e.requestId);
    p.unfinished.remove(e.offset);
    return true;
  }

  /**
   * Puts an in-flight entry back in the queue without finishing it (its job was abandoned).
   *
   * @return false when the entry is no longer tracked
   */
  public boolean requeue(Entry<T> e) {
    if (!inFlight.remove(e)) {
      return false;
    }
    requestsInFlight.remove(e.requestId);
    queued.add(e);
    return true;
  }

  /**
   * The offset {@code partition} can be committed at: its lowest unfinished offset, else one past
   * the last record seen; empty when the partition is not tracked.
   */
  public OptionalLong commitPosition(String partition) {
    Partition p = partitions.get(partition);
    if (p == null) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(p.unfinished.isEmpty() ? p.next : p.unfinished.first());
  }

  /** Queued entries in the order they would start (not those in flight). */
  public List<Entry<T>> queuedInOrder() {
    return List.copyOf(queued);
  }

  /** Entries queued, not yet started. */
  public int queuedCount() {
    return queued.size();
  }

  /** Entries started and not finished. */
  public int inFlightCount() {
    return inFlight.size();
  }

  /** The entries in flight. */
  public List<Entry<T>> inFlight() {
    return List.copyOf(inFlight);
  }
}
