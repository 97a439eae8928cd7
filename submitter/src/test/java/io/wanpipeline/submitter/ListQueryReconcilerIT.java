package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.submitter.InDoubtReconciler.Found;
import io.wanpipeline.submitter.reconcile.ListCallAllowance;
import io.wanpipeline.submitter.reconcile.ListQueryReconciler;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.testing.GenerationRequests;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The list-query reconciler against the Wan simulator: a create call whose answer was lost is found
 * again through {@code GET /api/v1/tasks}, and every case where the match is not unique or not
 * possible leaves the request in doubt. Each test works on its own provider account.
 */
class ListQueryReconcilerIT {
  private static final String FLASH = "wan2.2-i2v-flash";
  private static final String KF2V = "wan2.2-kf2v-flash";
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration SKEW = Duration.ofMinutes(2);

  private static AdjustableClock clock;
  private static WanSimulator sim;
  private static final Map<String, WanClient> clients = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    clock = new AdjustableClock(Instant.parse("2026-03-01T10:00:00.250Z"));
    SimulatorConfig.Builder config =
        SimulatorConfig.builder()
            .clock(clock)
            .pendingTime(Duration.ofMinutes(1))
            .runningTime(Duration.ofMinutes(1));
    for (String account : List.of("found", "ambiguous", "known", "nothing", "paged", "broken")) {
      config
          .apiKey(secret(account, 0), "acct-" + account)
          .apiKey(secret(account, 1), "acct-" + account);
    }
    config.apiKey(secret("crazy", 0), "acct-crazy");
    sim = WanSimulator.start(config.build());
  }

  @AfterAll
  static void stop() {
    clients.values().forEach(ListQueryReconcilerIT::close);
    sim.close();
  }

  /** Each test starts an hour after the last one: earlier tests' tasks are outside its window. */
  @BeforeEach
  void laterThanEveryEarlierTask() {
    clock.advance(Duration.ofHours(1));
  }

  @AfterEach
  void noFaults() {
    sim.setFaults(Route.LIST, Faults.NONE);
  }

  @Test
  void aLostReplyIsFoundWithTheKeyTheCallUsed() {
    ProviderAccount account = account("found");
    ApiKey callKey = account.keys().get(0); // not the submit key: the intent's key must be used
    String before = submit(account, callKey, FLASH, "created long before the call", "f-before");
    clock.advance(Duration.ofMinutes(10));
    String known = submit(account, callKey, FLASH, "a task the pipeline knows", "f-known");
    submit(account, callKey, KF2V, "another model in the window", "f-other-model");
    SubmissionLedgerEntry intent = intent("f-lost", callKey.ref());
    clock.advance(Duration.ofSeconds(3));
    String lost = submitLosingTheReply(account, callKey, FLASH, "f-lost");
    Instant lostCreated = clock.instant();
    clock.advance(Duration.ofMinutes(5));
    submit(account, callKey, FLASH, "created after the window", "f-after");
    int listsBefore = sim.ledger().lists().size();

    Optional<Found> found =
        reconciler(100).reconcile(request("f-lost", FLASH), account, intent, Set.of(known));

    assertThat(found).contains(new Found(lost, callKey.ref(), lostCreated));
    assertThat(before).isNotEqualTo(lost);
    List<SimulatorLedger.ListCall> lists = newLists(listsBefore);
    assertThat(lists).hasSize(1);
    assertThat(lists.get(0).keyId()).isEqualTo(SimulatorLedger.keyId(callKey.secret()));
    assertThat(lists.get(0).httpStatus()).isEqualTo(200);
    assertThat(sim.ledger().submissionCount("f-lost")).isEqualTo(1);
  }

  @Test
  void withoutTheIntentsKeyTheSubmitKeyLists() {
    ProviderAccount account = account("found");
    SubmissionLedgerEntry intent = intent("f-nokey", null);
    String lost = submitLosingTheReply(account, account.submitKey(), FLASH, "f-nokey");
    Instant created = clock.instant();
    int listsBefore = sim.ledger().lists().size();

    Optional<Found> found =
        reconciler(100).reconcile(request("f-nokey", FLASH), account, intent, Set.of());

    assertThat(found).contains(new Found(lost, account.submitKey().ref(), created));
    assertThat(newLists(listsBefore))
        .singleElement()
        .extracting(SimulatorLedger.ListCall::keyId)
        .isEqualTo(SimulatorLedger.keyId(account.submitKey().secret()));
  }

  @Test
  void twoUnknownTasksOfTheModelInTheWindowAreAmbiguous() {
    ProviderAccount account = account("ambiguous");
    ApiKey key = account.submitKey();
    SubmissionLedgerEntry intent = intent("a-lost", key.ref());
    submitLosingTheReply(account, key, FLASH, "a-lost");
    clock.advance(Duration.ofSeconds(1));
    submitLosingTheReply(account, key, FLASH, "a-stranger");

    Optional<?> found =
        reconciler(100).reconcile(request("a-lost", FLASH), account, intent, Set.of());

    assertThat(found).isEmpty();
    assertThat(sim.ledger().submissionCount("a-lost")).isEqualTo(1);
  }

  @Test
  void theOnlyTaskInTheWindowAlreadyKnownProvesNothing() {
    ProviderAccount account = account("known");
    ApiKey key = account.submitKey();
    SubmissionLedgerEntry intent = intent("k-1", key.ref());
    String known = submit(account, key, FLASH, "answered and known", "k-1");

    assertThat(reconciler(100).reconcile(request("k-1", FLASH), account, intent, Set.of(known)))
        .isEmpty();
    // the same listing with the task unknown would find it: the empty answer is the known set's
    assertThat(reconciler(100).reconcile(request("k-1", FLASH), account, intent, Set.of()))
        .map(Found::taskId)
        .contains(known);
  }

  @Test
  void aCallThatCreatedNothingStaysInDoubt() {
    ProviderAccount account = account("nothing");
    ApiKey key = account.submitKey();
    SubmissionLedgerEntry intent = intent("n-1", key.ref());
    SubmitOutcome reset =
        clientOf(account).submit(key, generation(FLASH, "[sim:submit=reset] never created"), "n-1");
    assertThat(reset).isInstanceOf(SubmitOutcome.InDoubt.class);
    assertThat(sim.ledger().tasksOfRequest("n-1")).isEmpty();

    assertThat(reconciler(100).reconcile(request("n-1", FLASH), account, intent, Set.of()))
        .isEmpty();
    assertThat(sim.ledger().submissionCount("n-1")).isEqualTo(1);
  }

  @Test
  void readsEveryPageUntilTheTaskIsFound() {
    ProviderAccount account = account("paged");
    ApiKey key = account.submitKey();
    SubmissionLedgerEntry intent = intent("p-lost", key.ref());
    Set<String> known = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      known.add(submit(account, key, FLASH, "known " + i, "p-known-" + i));
      clock.advance(Duration.ofMillis(10));
    }
    String lost = submitLosingTheReply(account, key, FLASH, "p-lost");
    int listsBefore = sim.ledger().lists().size();

    Optional<Found> found =
        reconciler(2).reconcile(request("p-lost", FLASH), account, intent, known);

    assertThat(found).map(Found::taskId).contains(lost);
    assertThat(newLists(listsBefore)).hasSize(3);
  }

  @Test
  void aFailingOrThrottledListDecidesNothingAndAsksToTryLater() {
    ProviderAccount account = account("broken");
    ApiKey key = account.submitKey();
    SubmissionLedgerEntry intent = intent("b-lost", key.ref());
    submitLosingTheReply(account, key, FLASH, "b-lost");
    sim.setFaults(Route.LIST, Faults.NONE.withInternalErrorRate(1.0));
    int listsBefore = sim.ledger().lists().size();

    assertThatThrownBy(
            () -> reconciler(100).reconcile(request("b-lost", FLASH), account, intent, Set.of()))
        .isInstanceOf(InDoubtReconciler.TryLater.class);
    assertThat(newLists(listsBefore))
        .singleElement()
        .extracting(SimulatorLedger.ListCall::httpStatus)
        .isEqualTo(500);

    sim.setFaults(Route.LIST, Faults.alwaysThrottle());
    assertThatThrownBy(
            () -> reconciler(100).reconcile(request("b-lost", FLASH), account, intent, Set.of()))
        .isInstanceOf(InDoubtReconciler.TryLater.class);

    sim.setFaults(Route.LIST, Faults.NONE);
    assertThat(reconciler(100).reconcile(request("b-lost", FLASH), account, intent, Set.of()))
        .isPresent();
  }

  @Test
  void aDialectWithoutListStaysInDoubtWithoutACall() {
    ProviderAccount account =
        new ProviderAccount(
            "acct-crazy",
            "crazyrouter",
            URI.create(sim.baseUrl()),
            "cn",
            List.of(new ApiKey("crazy#0", secret("crazy", 0))));
    SubmissionLedgerEntry intent = intent("c-lost", "crazy#0");
    clientOf(account)
        .submit(account.submitKey(), generation(FLASH, "[sim:submit=lost-reply] lost"), "c-lost");
    assertThat(sim.ledger().tasksOfRequest("c-lost")).hasSize(1);
    int listsBefore = sim.ledger().lists().size();

    assertThat(reconciler(100).reconcile(request("c-lost", FLASH), account, intent, Set.of()))
        .isEmpty();
    assertThat(newLists(listsBefore)).isEmpty();
  }

  @Test
  void anExhaustedAllowanceMakesNoCallAndAsksToTryLater() {
    ProviderAccount account = account("known");
    ApiKey key = account.submitKey();
    SubmissionLedgerEntry intent = intent("k-allow", key.ref());
    String lost = submitLosingTheReply(account, key, FLASH, "k-allow");
    ListCallAllowance allowance = new ListCallAllowance(clock, 1.0, 1);
    ListQueryReconciler reconciler =
        new ListQueryReconciler(
            ListQueryReconcilerIT::clientOf,
            allowance,
            new ListQueryReconciler.Settings(CREATE_TIMEOUT, SKEW, 100, 10));
    assertThat(reconciler.reconcile(request("k-allow", FLASH), account, intent, Set.of()))
        .map(Found::taskId)
        .contains(lost);
    int listsBefore = sim.ledger().lists().size();

    assertThatThrownBy(
            () -> reconciler.reconcile(request("k-allow", FLASH), account, intent, Set.of()))
        .isInstanceOf(InDoubtReconciler.TryLater.class);
    assertThat(newLists(listsBefore)).isEmpty();

    clock.advance(Duration.ofSeconds(1));
    assertThat(reconciler.reconcile(request("k-allow", FLASH), account, intent, Set.of()))
        .map(Found::taskId)
        .contains(lost);
  }

  // ------------------------------------------------------------------------------- helpers

  private static ListQueryReconciler reconciler(int pageSize) {
    return new ListQueryReconciler(
        ListQueryReconcilerIT::clientOf,
        new ListCallAllowance(clock, 1000, 1000),
        new ListQueryReconciler.Settings(CREATE_TIMEOUT, SKEW, pageSize, 10));
  }

  private static String secret(String account, int i) {
    return "sk-reconcile-" + account + "-" + i;
  }

  private static ProviderAccount account(String name) {
    return new ProviderAccount(
        "acct-" + name,
        "dashscope",
        URI.create(sim.baseUrl()),
        "cn",
        List.of(
            new ApiKey(name + "#0", secret(name, 0)), new ApiKey(name + "#1", secret(name, 1))));
  }

  private static WanClient clientOf(ProviderAccount account) {
    return clients.computeIfAbsent(account.name(), n -> WanClients.forAccount(account, clock));
  }

  private static void close(WanClient client) {
    if (client instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Submits and returns the task id of an accepted create call. */
  private static String submit(
      ProviderAccount account, ApiKey key, String model, String prompt, String requestId) {
    SubmitOutcome outcome = clientOf(account).submit(key, generation(model, prompt), requestId);
    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    return ((SubmitOutcome.Accepted) outcome).taskId();
  }

  /** Submits with the simulator's lost-reply marker: the task exists, the answer is a 500. */
  private static String submitLosingTheReply(
      ProviderAccount account, ApiKey key, String model, String requestId) {
    SubmitOutcome outcome =
        clientOf(account)
            .submit(key, generation(model, "[sim:submit=lost-reply] " + requestId), requestId);
    assertThat(outcome).isInstanceOf(SubmitOutcome.InDoubt.class);
    List<SimulatorLedger.TaskRecord> tasks = sim.ledger().tasksOfRequest(requestId);
    assertThat(tasks).hasSize(1);
    return tasks.get(0).taskId();
  }

  private static SubmissionLedgerEntry intent(String requestId, String apiKeyRef) {
    Instant now = clock.instant();
    return SubmissionLedgerEntry.newBuilder()
        .setRequestId(requestId)
        .setKind(SubmissionKind.INTENT)
        .setFingerprint("v1:test")
        .setRecordedAt(now)
        .setFirstAttemptAt(now)
        .setAttempts(1)
        .setApiKeyRef(apiKeyRef)
        .build();
  }

  private static List<SimulatorLedger.ListCall> newLists(int before) {
    List<SimulatorLedger.ListCall> all = sim.ledger().lists();
    return all.subList(before, all.size());
  }

  private static GenerationRequest generation(String model, String prompt) {
    if (model.equals(KF2V)) {
      return GenerationRequests.kf2v(prompt);
    }
    return GenerationRequests.i2v(model, prompt, "480P");
  }

  private static VideoRequest request(String requestId, String model) {
    return VideoRequests.i2vFlash(requestId)
        .model(model)
        .prompt("in doubt")
        .requestedAt(clock.instant())
        .metadata("source", "reconciler-it")
        .build();
  }
}
