package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * The dispatcher's state of one (account, model): requests waiting in order (LIVE before BATCH,
 * then queue order), requests found in doubt (settled before anything else is dispatched), the
 * submit-rate limiter, the one call in flight, and the time until which a throttled lane holds.
 * Only the dispatcher thread touches it.
 */
final class Lane {
  /**
   * A request found with an INTENT and no answer.
   *
   * @param cause why this process's create call left it in doubt (HTTP 500, reset, timeout),
   *     already free of secrets; null when the intent was found on the ledger (after a restart or a
   *     rebalance), whose call's answer this process never saw
   */
  record InDoubt(WaitingRequest waiting, SubmissionLedgerEntry intent, String cause) {}

  private static final Duration LOG_EVERY = Duration.ofSeconds(30);

  final LaneKey key;
  final SubmitRateLimiter limiter;
  private final PriorityQueue<WaitingRequest> waiting = new PriorityQueue<>(WaitingRequest.ORDER);
  private final ArrayDeque<InDoubt> inDoubt = new ArrayDeque<>();
  private boolean inFlight;
  private Instant heldUntil = Instant.MIN;
  private Instant nextFullLog = Instant.MIN;

  Lane(LaneKey key, SubmitRateLimiter limiter) {
    this.key = key;
    this.limiter = limiter;
  }

  void add(WaitingRequest request) {
    waiting.add(request);
  }

  void addInDoubt(InDoubt request) {
    inDoubt.add(request);
  }

  WaitingRequest peek() {
    return waiting.peek();
  }

  WaitingRequest poll() {
    return waiting.poll();
  }

  /** Removes and returns the waiting requests that {@code which} selects, in queue order. */
  List<WaitingRequest> removeWaiting(Predicate<WaitingRequest> which) {
    List<WaitingRequest> removed = new ArrayList<>();
    waiting.removeIf(
        w -> {
          if (which.test(w)) {
            removed.add(w);
            return true;
          }
          return false;
        });
    removed.sort(WaitingRequest.ORDER);
    return removed;
  }

  InDoubt pollInDoubt() {
    return inDoubt.poll();
  }

  boolean hasInDoubt() {
    return !inDoubt.isEmpty();
  }

  int waitingCount() {
    return waiting.size();
  }

  boolean inFlight() {
    return inFlight;
  }

  void inFlight(boolean value) {
    inFlight = value;
  }

  /** Holds the lane (a throttled refusal) until {@code until}. */
  void holdUntil(Instant until) {
    if (until.isAfter(heldUntil)) {
      heldUntil = until;
    }
  }

  boolean heldAt(Instant now) {
    return heldUntil.isAfter(now);
  }

  Instant heldUntil() {
    return heldUntil;
  }

  /** True at most once every 30 s: whether to log that the lane waits for a free slot. */
  boolean shouldLogFull(Instant now) {
    if (now.isBefore(nextFullLog)) {
      return false;
    }
    nextFullLog = now.plus(LOG_EVERY);
    return true;
  }
}
