package io.wanpipeline.poller;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * This instance's share of every account's query budget: the partitions of the source topic it owns
 * (counted from the poll processors alive in this JVM) over the topic's partition count. Instances
 * that together own every partition never together exceed an account's rate. Thread-safe.
 */
public final class PartitionShare {
  private final IntSupplier totalPartitions;
  private final Map<Integer, Integer> owned = new HashMap<>();

  /**
   * @param totalPartitions the source topic's partition count; 0 or less when unknown, in which
   *     case the instance counts as owning all of it
   */
  public PartitionShare(IntSupplier totalPartitions) {
    this.totalPartitions = Objects.requireNonNull(totalPartitions, "totalPartitions");
  }

  /** A share of the whole budget (one instance, or a topology test driver). */
  public static PartitionShare whole() {
    return new PartitionShare(() -> 0);
  }

  /** A poll processor of {@code partition} started in this JVM. */
  public synchronized void acquire(int partition) {
    owned.merge(partition, 1, Integer::sum);
  }

  /** A poll processor of {@code partition} closed in this JVM. */
  public synchronized void release(int partition) {
    owned.computeIfPresent(partition, (p, n) -> n <= 1 ? null : n - 1);
  }

  /** Partitions of the source topic this JVM owns now. */
  public synchronized int owned() {
    return owned.size();
  }

  /** The fraction of each account's budget this instance may use, in (0, 1]. */
  public double fraction() {
    return fraction(owned(), totalPartitions.getAsInt());
  }

  /**
   * The share of an instance owning {@code owned} of {@code total} partitions: {@code owned /
   * total}, 1 when the total is unknown or nothing is owned yet (nothing is polled then).
   */
  public static double fraction(int owned, int total) {
    if (total <= 0 || owned <= 0 || owned >= total) {
      return 1.0;
    }
    return (double) owned / total;
  }
}
