package io.wanpipeline.submitter.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.submitter.dispatch.AdmissionPolicy.AccountGone;
import io.wanpipeline.submitter.dispatch.AdmissionPolicy.Admission;
import io.wanpipeline.submitter.dispatch.AdmissionPolicy.Call;
import io.wanpipeline.submitter.dispatch.AdmissionPolicy.Full;
import io.wanpipeline.submitter.dispatch.AdmissionPolicy.Reason;
import io.wanpipeline.submitter.dispatch.AdmissionPolicy.Reconcile;
import io.wanpipeline.submitter.dispatch.AdmissionPolicy.Wait;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.account.AccountLimits;
import io.wanpipeline.wan.account.AccountLimits.ModelLimits;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's admission rules, decided on lanes built as the dispatcher builds them, with the
 * time of a clock the test moves: no Kafka, no provider, no sleeps.
 */
class AdmissionPolicyTest {
  private static final Instant T0 = Instant.parse("2026-03-01T08:00:00Z");

  /** Two calls a second, at most two tasks in progress. */
  private static final String FLASH = "wan2.2-i2v-flash";

  /** One call every two seconds, at most five tasks in progress. */
  private static final String SLOW = "wan2.7-i2v";

  private static final LaneKey FLASH_LANE = new LaneKey("default", FLASH);
  private static final LaneKey SLOW_LANE = new LaneKey("default", SLOW);
  private static final ProviderAccounts ACCOUNTS = accounts(0);

  /** The one account "default" of the two models, queueing {@code queueAhead} beyond the cap. */
  private static ProviderAccounts accounts(int queueAhead) {
    return new ProviderAccounts(
        List.of(
            new ProviderAccount(
                "default",
                "dashscope",
                URI.create("https://dashscope.aliyuncs.com"),
                "cn",
                List.of(new ApiKey("default#0", "sk-test")),
                new AccountLimits(
                    20,
                    Map.of(FLASH, new ModelLimits(2, 2), SLOW, new ModelLimits(0.5, 5)),
                    AccountLimits.UNKNOWN_MODEL,
                    queueAhead))),
        "default");
  }

  private final TestClock clock = new TestClock(T0);
  private InProgressTasks inProgress;
  private AdmissionPolicy policy;

  @BeforeEach
  void setUp() {
    inProgress = new InProgressTasks(Duration.ofHours(1));
    policy = new AdmissionPolicy(clock, ACCOUNTS, inProgress);
  }

  // ------------------------------------------------------------------ order within a lane

  @Test
  void liveIsCalledBeforeBatchQueuedEarlier() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("batch-1", 0, Priority.BATCH));
    lane.add(waiting("live-1", 1, Priority.LIVE));

    assertThat(calledIds(policy.round(List.of(lane)))).containsExactly("live-1");
  }

  @Test
  void requestsOfOnePriorityAreCalledInQueueOrder() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("live-7", 7, Priority.LIVE));
    lane.add(waiting("live-3", 3, Priority.LIVE));
    lane.add(waiting("batch-1", 1, Priority.BATCH));

    List<String> called = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      called.addAll(calledIds(policy.round(List.of(lane))));
      answered(lane);
      clock.advance(Duration.ofSeconds(1));
    }

    assertThat(called).containsExactly("live-3", "live-7", "batch-1");
  }

  @Test
  void anEmptyLaneWaits() {
    assertThat(reason(policy.round(List.of(lane(FLASH_LANE))))).isEqualTo(Reason.EMPTY);
  }

  // ------------------------------------------------------------------ one call per lane

  @Test
  void aLaneWithACallInFlightMakesNoOtherEvenWithPermitsAndSlots() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("r1", 0, Priority.LIVE));
    lane.add(waiting("r2", 1, Priority.LIVE));

    assertThat(policy.round(List.of(lane))).singleElement().isInstanceOf(Call.class);
    assertThat(reason(policy.round(List.of(lane)))).isEqualTo(Reason.IN_FLIGHT);
    assertThat(lane.waitingCount()).as("the second request still waits").isEqualTo(1);
  }

  // ------------------------------------------------------------------ submit rate

  @Test
  void theSubmitRateAdmitsItsPermitsPerSecondAndNoMore() {
    Lane lane = lane(FLASH_LANE);
    for (int i = 0; i < 5; i++) {
      lane.add(waiting("r" + i, i, Priority.LIVE));
    }

    List<String> calledAtT0 = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<Admission> round = policy.round(List.of(lane));
      calledAtT0.addAll(calledIds(round));
      if (i == 2) {
        assertThat(reason(round)).isEqualTo(Reason.NO_PERMIT);
      } else {
        answered(lane);
      }
    }
    assertThat(calledAtT0).as("2 calls a second").containsExactly("r0", "r1");

    clock.advance(Duration.ofMillis(999));
    assertThat(reason(policy.round(List.of(lane))))
        .as("a permit frees a full second after its call")
        .isEqualTo(Reason.NO_PERMIT);
    clock.advance(Duration.ofMillis(1));
    assertThat(calledIds(policy.round(List.of(lane)))).containsExactly("r2");
  }

  @Test
  void aRateUnderOneASecondAdmitsOneCallPerLongerWindow() {
    Lane lane = lane(SLOW_LANE);
    lane.add(waiting("s1", 0, Priority.LIVE));
    lane.add(waiting("s2", 1, Priority.LIVE));

    assertThat(calledIds(policy.round(List.of(lane)))).containsExactly("s1");
    answered(lane);
    clock.advance(Duration.ofMillis(1_999));
    assertThat(reason(policy.round(List.of(lane)))).isEqualTo(Reason.NO_PERMIT);
    clock.advance(Duration.ofMillis(1));
    assertThat(calledIds(policy.round(List.of(lane)))).containsExactly("s2");
  }

  /**
   * The lane's create call answered now: the lane may call again, and the call counts against the
   * submit rate until a window after this answer (as {@code Dispatcher} reports it).
   */
  private void answered(Lane lane) {
    lane.inFlight(false);
    lane.limiter.answered(clock.instant());
  }

  // ------------------------------------------------------------------ in-progress cap

  @Test
  void aFullModelWaitsForATerminalEventAndKeepsItsPermit() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("r3", 3, Priority.LIVE));
    inProgress.submitted(FLASH_LANE, "r1", "t1", T0);
    inProgress.submitted(FLASH_LANE, "r2", "t2", T0);

    assertThat(policy.round(List.of(lane)))
        .singleElement()
        .isInstanceOfSatisfying(
            Full.class,
            full -> {
              assertThat(full.inProgress()).isEqualTo(2);
              assertThat(full.maxInProgress()).isEqualTo(2);
              assertThat(full.head().requestId()).isEqualTo("r3");
            });

    inProgress.terminal("r1", "t1");
    assertThat(calledIds(policy.round(List.of(lane))))
        .as("the permit was not spent while the model was full")
        .containsExactly("r3");
  }

  @Test
  void anAccountThatQueuesAheadIsAdmittedThatManyBeyondTheCap() {
    AdmissionPolicy ahead = new AdmissionPolicy(clock, accounts(1), inProgress);
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("r3", 3, Priority.LIVE));
    lane.add(waiting("r4", 4, Priority.LIVE));
    inProgress.submitted(FLASH_LANE, "r1", "t1", T0);
    inProgress.submitted(FLASH_LANE, "r2", "t2", T0);

    assertThat(calledIds(ahead.round(List.of(lane))))
        .as("cap 2, one ahead: a third task waits PENDING at the provider")
        .containsExactly("r3");
    inProgress.submitted(FLASH_LANE, "r3", "t3", T0);
    answered(lane);
    clock.advance(Duration.ofSeconds(1));
    assertThat(ahead.round(List.of(lane)))
        .singleElement()
        .isInstanceOfSatisfying(Full.class, full -> assertThat(full.maxInProgress()).isEqualTo(3));
  }

  @Test
  void theCapOfOneModelDoesNotHoldAnother() {
    Lane flash = lane(FLASH_LANE);
    Lane slow = lane(SLOW_LANE);
    flash.add(waiting("f1", 0, Priority.LIVE));
    slow.add(waiting("s1", 1, Priority.LIVE));
    inProgress.submitted(FLASH_LANE, "a", "ta", T0);
    inProgress.submitted(FLASH_LANE, "b", "tb", T0);

    List<Admission> round = policy.round(List.of(flash, slow));

    assertThat(calledIds(round)).containsExactly("s1");
    assertThat(round).filteredOn(Full.class::isInstance).hasSize(1);
  }

  // ------------------------------------------------------------------ holds and retries

  @Test
  void aThrottledLaneHoldsUntilItsRetryTime() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("r1", 0, Priority.LIVE));
    lane.holdUntil(T0.plusSeconds(30));

    assertThat(reason(policy.round(List.of(lane)))).isEqualTo(Reason.HELD);
    clock.advance(Duration.ofSeconds(30));
    assertThat(calledIds(policy.round(List.of(lane)))).containsExactly("r1");
  }

  @Test
  void aDeferredHeadWaitsForItsRetryTime() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("r1", 0, Priority.LIVE).deferred(1, T0, T0.plusSeconds(10)));

    assertThat(reason(policy.round(List.of(lane)))).isEqualTo(Reason.NOT_YET);
    clock.advance(Duration.ofSeconds(10));
    assertThat(policy.round(List.of(lane)))
        .singleElement()
        .isInstanceOfSatisfying(
            Call.class, call -> assertThat(call.request().attempts()).isEqualTo(1));
  }

  // ------------------------------------------------------------------ in doubt

  @Test
  void aRequestInDoubtIsSettledBeforeAnythingElseOfItsLane() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("fresh", 0, Priority.LIVE));
    lane.addInDoubt(inDoubt("doubtful", 1));

    List<Admission> first = policy.round(List.of(lane));
    assertThat(first)
        .singleElement()
        .isInstanceOfSatisfying(
            Reconcile.class,
            r -> assertThat(r.doubt().waiting().requestId()).isEqualTo("doubtful"));
    assertThat(reason(policy.round(List.of(lane))))
        .as("the reconciliation is the lane's call in flight")
        .isEqualTo(Reason.IN_FLIGHT);

    lane.inFlight(false);
    assertThat(calledIds(policy.round(List.of(lane)))).containsExactly("fresh");
  }

  @Test
  void aPutOffReconciliationWaitsForTheLanesHoldAndStillBlocksTheLane() {
    Lane lane = lane(FLASH_LANE);
    lane.add(waiting("fresh", 0, Priority.LIVE));
    lane.addInDoubt(inDoubt("doubtful", 1));
    lane.holdUntil(T0.plusSeconds(5));

    assertThat(reason(policy.round(List.of(lane)))).isEqualTo(Reason.HELD);
    assertThat(lane.waitingCount()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(5));
    assertThat(policy.round(List.of(lane))).singleElement().isInstanceOf(Reconcile.class);
  }

  @Test
  void aReconciliationNeedsNoSubmitPermitNorSlot() {
    Lane lane = lane(FLASH_LANE);
    lane.addInDoubt(inDoubt("doubtful", 0));
    inProgress.submitted(FLASH_LANE, "a", "ta", T0);
    inProgress.submitted(FLASH_LANE, "b", "tb", T0);

    assertThat(policy.round(List.of(lane))).singleElement().isInstanceOf(Reconcile.class);
  }

  // ------------------------------------------------------------------ accounts

  @Test
  void theHeadOfALaneWhoseAccountIsGoneFailsWithoutACall() {
    Lane lane = lane(new LaneKey("removed", FLASH));
    lane.add(waiting("orphan", 0, Priority.LIVE));

    assertThat(policy.round(List.of(lane)))
        .singleElement()
        .isInstanceOfSatisfying(
            AccountGone.class, g -> assertThat(g.request().requestId()).isEqualTo("orphan"));
    assertThat(lane.inFlight()).isFalse();
    assertThat(lane.waitingCount()).isZero();
  }

  // ------------------------------------------------------------------ fairness across lanes

  @Test
  void aFloodedLaneTakesNoPermitOrSlotOfAnother() {
    Lane flooded = lane(FLASH_LANE);
    Lane quiet = lane(SLOW_LANE);
    for (int i = 0; i < 100; i++) {
      flooded.add(waiting("f" + i, i, Priority.LIVE));
    }
    quiet.add(waiting("q0", 100, Priority.BATCH));

    List<Admission> round = policy.round(List.of(flooded, quiet));

    assertThat(calledIds(round)).containsExactlyInAnyOrder("f0", "q0");
  }

  @Test
  void everyLaneIsDecidedOncePerRoundAndTheRoundStartsOneLaneFurtherEachTime() {
    List<Lane> lanes = new ArrayList<>();
    for (String account : List.of("a", "b", "c")) {
      lanes.add(lane(new LaneKey(account, FLASH)));
    }

    List<String> firsts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      List<Admission> round = policy.round(lanes);
      assertThat(round).extracting(Admission::lane).containsExactlyInAnyOrderElementsOf(lanes);
      firsts.add(round.get(0).lane().key.account());
    }

    assertThat(firsts)
        .as("no lane is always the last handed to the call executor")
        .containsExactly("a", "b", "c", "a", "b", "c");
  }

  @Test
  void theRoundOrderDoesNotDependOnTheOrderTheLanesAreGiven() {
    Lane a = lane(new LaneKey("a", FLASH));
    Lane b = lane(new LaneKey("b", FLASH));
    AdmissionPolicy other = new AdmissionPolicy(clock, ACCOUNTS, inProgress);

    assertThat(policy.round(List.of(a, b)).get(0).lane()).isSameAs(a);
    assertThat(other.round(List.of(b, a)).get(0).lane()).isSameAs(a);
  }

  // ------------------------------------------------------------------ helpers

  private static Lane lane(LaneKey key) {
    return new Lane(
        key,
        new SubmitRateLimiter(
            ACCOUNTS
                .resolve(key.account())
                .map(a -> a.limits().submitRate(key.model()))
                .orElse(1.0)));
  }

  private static List<String> calledIds(List<Admission> round) {
    return round.stream()
        .filter(Call.class::isInstance)
        .map(a -> ((Call) a).request().requestId())
        .toList();
  }

  private static Reason reason(List<Admission> round) {
    assertThat(round).singleElement().isInstanceOf(Wait.class);
    return ((Wait) round.get(0)).reason();
  }

  private static WaitingRequest waiting(String id, long offset, Priority priority) {
    VideoRequest request = VideoRequests.i2vFlash(id).priority(priority).build();
    return WaitingRequest.fresh(
        offset,
        QueuedRequest.newBuilder()
            .setRequest(request)
            .setFingerprint("fp-" + id)
            .setQueuedAt(T0)
            .setSourcePartition(0)
            .build());
  }

  private static Lane.InDoubt inDoubt(String id, long offset) {
    SubmissionLedgerEntry intent =
        SubmissionLedgerEntry.newBuilder()
            .setRequestId(id)
            .setKind(SubmissionKind.INTENT)
            .setFingerprint("fp-" + id)
            .setRecordedAt(T0.minusSeconds(60))
            .setAttempts(1)
            .setApiKeyRef("default#0")
            .build();
    return new Lane.InDoubt(waiting(id, offset, Priority.LIVE), intent, null);
  }

  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    private Instant now;

    TestClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
