package io.wanpipeline.poller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * This instance's share of every account's query budget: the partitions of the source topic it owns
 * (counted from the poll processors alive in this JVM) over the topic's partition count. Instances
 * that together own every partition never together exceed an account's rate. Thread-safe.
 *
 * <p>A share that shrinks applies at once; a share that grows applies only {@code hold} after the
 * growth (the budget's window). Partitions move from one instance to another in a rebalance: the
 * instance that gave them up may have spent its larger share within the last window, and the one
 * that took them must not add its new share to that window.
 */
public final class PartitionShare {
  private final IntSupplier totalPartitions;
  private final Clock clock;
  private final Duration hold;
  private final Set<Integer> owned = new HashSet<>();
  private double heldFraction;
  private Instant heldUntil = Instant.MIN;

  /**
   * A share whose growth applies at once (tests of the arithmetic).
   *
   * @param totalPartitions the source topic's partition count; 0 or less when unknown, in which
   *     case the instance counts as owning all of it
   */
  public PartitionShare(IntSupplier totalPartitions) {
    this(totalPartitions, Clock.systemUTC(), Duration.ZERO);
  }

  /**
   * @param totalPartitions the source topic's partition count; 0 or less when unknown
   * @param clock the time of growth and of every reading
   * @param hold how long a grown share keeps its smaller value: the budget's window
   */
  public PartitionShare(IntSupplier totalPartitions, Clock clock, Duration hold) {
    this.totalPartitions = Objects.requireNonNull(totalPartitions, "totalPartitions");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.hold = Objects.requireNonNull(hold, "hold");
  }

  /** A share of the whole budget (one instance, or a topology test driver). */
  public static PartitionShare whole() {
    return new PartitionShare(() -> 0);
  }

  /** A poll processor of {@code partition} started in this JVM. */
  public synchronized void acquire(int partition) {
    Instant now = clock.instant();
    int total = totalPartitions.getAsInt();
    double before = now.isBefore(heldUntil) ? heldFraction : spent(owned.size(), total);
    owned.add(partition);
    holdIfGrown(before, total, now);
  }

  private void holdIfGrown(double before, int total, Instant now) {
    if (spent(owned.size(), total) > before && !hold.isZero()) {
      heldFraction = before;
      heldUntil = now.plus(hold);
    }
  }

  /** A poll processor of {@code partition} closed in this JVM. */
  public synchronized void release(int partition) {
    owned.remove(partition);
  }

  /** Partitions of the source topic this JVM owns now. */
  public synchronized int owned() {
    return owned.size();
  }

  /**
   * The fraction of each account's budget this instance may use, in [0, 1]: 0 when it owns none of
   * a known partition count, and while a share grown from nothing is held.
   */
  public synchronized double fraction() {
    int total = totalPartitions.getAsInt();
    if (total > 0 && owned.isEmpty()) {
      return 0;
    }
    double now = fraction(owned.size(), total);
    return clock.instant().isBefore(heldUntil) ? Math.min(now, heldFraction) : now;
  }

  /** The fraction an instance owning {@code owned} of {@code total} partitions may have spent. */
  private static double spent(int owned, int total) {
    return owned <= 0 ? 0 : fraction(owned, total);
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
