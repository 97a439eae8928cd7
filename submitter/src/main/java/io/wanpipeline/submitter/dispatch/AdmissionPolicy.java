package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides which lanes may make a call now, and which call. No Kafka and no I/O: the time is the
 * injected clock's, the caps come from the accounts, the tasks in progress from {@link
 * InProgressTasks}. A lane's call is admitted when all of these hold, in this order:
 *
 * <ol>
 *   <li>no call of the lane is in flight (at most one create call or reconciliation per lane);
 *   <li>a request of the lane in doubt is settled first ({@link Reconcile}), once the lane's hold
 *       (a put-off reconciliation) has passed, before any other request of the lane;
 *   <li>only the lane's head is a candidate: LIVE before BATCH, then queue order ({@link
 *       WaitingRequest#ORDER}); a held lane (a throttled refusal) or a head deferred to a later
 *       retry waits;
 *   <li>the lane's account is still configured (else its head fails, {@link AccountGone});
 *   <li>fewer tasks are in progress than the model's cap ({@link Full} otherwise);
 *   <li>the lane's submit rate has a free permit ({@code SubmitRateLimiter}, taken only when all
 *       the rest admits the call).
 * </ol>
 *
 * <p>Fairness across lanes: each lane is decided once per round, on its own cap, rate and call
 * slot, so a flooded lane never takes another's permits or slot; and each round starts one lane
 * further (lanes in key order), so that no lane is always the last handed to the call executor when
 * there are more lanes than call threads.
 */
final class AdmissionPolicy {
  /** What a round decided for one lane. */
  sealed interface Admission {
    Lane lane();
  }

  /** Reconcile {@code doubt}, taken off the lane, which is now in flight. */
  record Reconcile(Lane lane, Lane.InDoubt doubt) implements Admission {}

  /** Make the create call of {@code request}, taken off the lane, which is now in flight. */
  record Call(Lane lane, WaitingRequest request, ProviderAccount account) implements Admission {}

  /** The lane's account is no longer configured: {@code request}, taken off the lane, fails. */
  record AccountGone(Lane lane, WaitingRequest request) implements Admission {}

  /**
   * The model's cap (with the account's queue-ahead: {@code maxInProgress}) is reached: {@code
   * head} waits for a free slot.
   */
  record Full(Lane lane, WaitingRequest head, int inProgress, int maxInProgress)
      implements Admission {}

  /** Nothing to do for the lane in this round, for {@code reason}. */
  record Wait(Lane lane, Reason reason) implements Admission {}

  /** Why a lane does nothing in a round. */
  enum Reason {
    /** A call of the lane is in flight. */
    IN_FLIGHT,
    /** No request waits. */
    EMPTY,
    /** The lane holds (a throttled refusal, a put-off reconciliation). */
    HELD,
    /** The head is a deferred request whose retry time has not come. */
    NOT_YET,
    /** The submit rate has no free permit. */
    NO_PERMIT
  }

  private static final Comparator<Lane> BY_KEY = Comparator.comparing(l -> l.key.toString());

  private final Clock clock;
  private final ProviderAccounts accounts;
  private final InProgressTasks inProgress;
  private long rounds;

  AdmissionPolicy(Clock clock, ProviderAccounts accounts, InProgressTasks inProgress) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.inProgress = Objects.requireNonNull(inProgress, "inProgress");
  }

  /**
   * Decides every lane once, at the clock's present, starting one lane further than the last round;
   * the decisions come in that order and have already been applied to the lanes (a request taken
   * off, the lane in flight, the permit taken).
   */
  List<Admission> round(Collection<Lane> lanes) {
    Instant now = clock.instant();
    List<Lane> ordered = new ArrayList<>(lanes);
    ordered.sort(BY_KEY);
    List<Admission> out = new ArrayList<>(ordered.size());
    if (ordered.isEmpty()) {
      return out;
    }
    int start = (int) (rounds++ % ordered.size());
    for (int i = 0; i < ordered.size(); i++) {
      out.add(decide(ordered.get((start + i) % ordered.size()), now));
    }
    return out;
  }

  private Admission decide(Lane lane, Instant now) {
    if (lane.inFlight()) {
      return new Wait(lane, Reason.IN_FLIGHT);
    }
    if (lane.hasInDoubt()) {
      if (lane.heldAt(now)) {
        return new Wait(lane, Reason.HELD);
      }
      Lane.InDoubt doubt = lane.pollInDoubt();
      lane.inFlight(true);
      return new Reconcile(lane, doubt);
    }
    WaitingRequest head = lane.peek();
    if (head == null) {
      return new Wait(lane, Reason.EMPTY);
    }
    if (lane.heldAt(now)) {
      return new Wait(lane, Reason.HELD);
    }
    if (head.notBefore() != null && head.notBefore().isAfter(now)) {
      return new Wait(lane, Reason.NOT_YET);
    }
    Optional<ProviderAccount> account = accounts.resolve(lane.key.account());
    if (account.isEmpty()) {
      lane.poll();
      return new AccountGone(lane, head);
    }
    // The cap, plus the tasks the account is configured to queue ahead at the provider.
    int max = account.get().limits().admitted(lane.key.model());
    int busy = inProgress.count(lane.key, now);
    if (busy >= max) {
      return new Full(lane, head, busy, max);
    }
    if (!lane.limiter.tryAcquire(now)) {
      return new Wait(lane, Reason.NO_PERMIT);
    }
    lane.poll();
    lane.inFlight(true);
    return new Call(lane, head, account.get());
  }
}
