package io.wanpipeline.submitter.dispatch;

import java.util.TreeSet;

/**
 * The committable offset of one queue partition whose records finish out of order: the lowest
 * offset read and not finished, or the offset after the last one read when all are finished. A
 * restart resumes from there, so no unfinished record is skipped (finished ones after it are read
 * again and skipped through the dispatch ledger). Not thread-safe.
 */
public final class OffsetTracker {
  private final TreeSet<Long> open = new TreeSet<>();
  private long next;

  /** A tracker of a partition whose consumption starts at {@code position}. */
  public OffsetTracker(long position) {
    this.next = position;
  }

  /** Notes that the record at {@code offset} was read and is not finished. */
  public void read(long offset) {
    open.add(offset);
    next = Math.max(next, offset + 1);
  }

  /** Notes that the record at {@code offset} needs nothing more. */
  public void finish(long offset) {
    open.remove(offset);
  }

  /** True when the record at {@code offset} is read and not finished. */
  public boolean isOpen(long offset) {
    return open.contains(offset);
  }

  /** The offset to commit: where a new owner must start reading. */
  public long committable() {
    return open.isEmpty() ? next : open.first();
  }

  /** Records read and not finished. */
  public int openCount() {
    return open.size();
  }
}
