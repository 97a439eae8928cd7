package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.CommandAction;
import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.NativeStatus;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dialect.crazyrouter.CrazyrouterClient;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller's topology in a TopologyTestDriver, polling the Wan simulator over loopback through
 * the real DashScope client; the simulator and the poller share one clock that the test moves
 * together with the driver's wall-clock time.
 */
class PollerTopologyTest {
  private static final Instant T0 = Instant.parse("2026-05-01T08:00:00Z");
  private static final ApiKey KEY = new ApiKey("default#0", "sk-poller-topology-test");

  private final AdjustableClock clock = new AdjustableClock(T0);
  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  /** Where the provider calls run: the pool, unless a test holds them back. */
  private Executor calls = pool;

  private final List<TaskStatus> events = new ArrayList<>();
  @TempDir Path stateDir;
  private WanSimulator sim;
  private WanClient client;
  private boolean viaCrazyrouter;
  private TopologyTestDriver driver;
  private TestInputTopic<String, TaskStatus> in;
  private TestOutputTopic<String, TaskStatus> out;
  private TestInputTopic<String, RequestCommand> commands;

  private void start(Map<String, String> pollerSettings, SimulatorConfig.Builder simulator) {
    sim =
        WanSimulator.start(
            simulator.clock(clock).apiKey(KEY.secret(), "default").retryAfter(null).build());
    client =
        viaCrazyrouter
            ? CrazyrouterClient.of(URI.create(sim.baseUrl()), clock)
            : DashScopeClient.builder()
                .baseUrl(sim.baseUrl())
                .clock(clock)
                .requestTimeout(Duration.ofSeconds(5))
                .build();
    Map<String, String> settings = new HashMap<>();
    settings.put("kafka.bootstrap.servers", "unused:9092");
    settings.put("schema-registry.url", "http://unused:8081");
    settings.put("provider.default.api-key", KEY.secret());
    settings.put("provider.default.base-url", sim.baseUrl());
    settings.put("poller.state-dir", stateDir.toString());
    // Each punctuation applies its own calls' answers, so that ticks decide what is seen when;
    // the tests named "...WithoutWaiting" take the default (no wait).
    settings.put("poller.call-wait", "60s");
    settings.putAll(pollerSettings);
    PollerConfig config = PollerConfig.from(Settings.of(settings));
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    Topics topics = new Topics(TopicNames.withPrefix(""), registry);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "poller-topology-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver =
        new TopologyTestDriver(
            PollerTopology.build(
                config,
                topics,
                registry,
                new PollerTopology.Collaborators(clock, new Random(7), account -> client, calls)),
            props,
            T0);
    Topic<String, TaskStatus> status = topics.taskStatus();
    in =
        driver.createInputTopic(
            status.name(), status.keySerde().serializer(), status.valueSerde().serializer());
    out =
        driver.createOutputTopic(
            status.name(), status.keySerde().deserializer(), status.valueSerde().deserializer());
    Topic<String, RequestCommand> commandTopic = topics.requestCommands();
    commands =
        driver.createInputTopic(
            commandTopic.name(),
            commandTopic.keySerde().serializer(),
            commandTopic.valueSerde().serializer());
  }

  private void command(RequestCommand command) {
    commands.pipeInput(RequestCommands.key(command), command, clock.instant());
  }

  private void start(Map<String, String> pollerSettings) {
    start(
        pollerSettings,
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(8))
            .runningTime(Duration.ofSeconds(10)));
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
    if (sim != null) {
      sim.close();
    }
    pool.shutdownNow();
  }

  /** Creates a task at the simulator and announces it SUBMITTED, as the submitter would. */
  private String submit(String requestId, String prompt) {
    GenerationRequest request = GenerationRequestBuilder.i2vFlash().prompt(prompt).build();
    SubmitOutcome outcome = client.submit(KEY, request, requestId);
    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    String taskId = ((SubmitOutcome.Accepted) outcome).taskId();
    announceSubmitted(requestId, taskId);
    return taskId;
  }

  private void announceSubmitted(String requestId, String taskId) {
    in.pipeInput(requestId, submitted(requestId, taskId), clock.instant());
  }

  private TaskStatus submitted(String requestId, String taskId) {
    return submitted(requestId, taskId, Map.of("campaign", "spring"));
  }

  private TaskStatus submitted(String requestId, String taskId, Map<String, String> metadata) {
    return TaskStatuses.submitted(requestId, taskId)
        .setApiKeyRef(KEY.ref())
        .setEventTime(clock.instant())
        .setSubmittedAt(clock.instant())
        .setMetadata(metadata)
        .build();
  }

  /** Creates a task at the simulator and announces it SUBMITTED as part of batch {@code batch}. */
  private String submitInBatch(String requestId, String prompt, String batch) {
    GenerationRequest request = GenerationRequestBuilder.i2vFlash().prompt(prompt).build();
    String taskId = ((SubmitOutcome.Accepted) client.submit(KEY, request, requestId)).taskId();
    in.pipeInput(
        requestId,
        submitted(requestId, taskId, Map.of(RequestCommands.BATCH_ID_METADATA, batch)),
        clock.instant());
    return taskId;
  }

  /** Moves the shared clock and the driver's wall clock by one-second steps. */
  private void tick(Duration total) {
    for (long s = 0; s < total.toSeconds(); s++) {
      clock.advance(Duration.ofSeconds(1));
      driver.advanceWallClockTime(Duration.ofSeconds(1));
    }
    events.addAll(out.readValuesToList());
  }

  /** Moves both clocks by {@code step} at a time, a punctuation per step. */
  private void tick(Duration total, Duration step) {
    for (long ms = 0; ms < total.toMillis(); ms += step.toMillis()) {
      clock.advance(step);
      driver.advanceWallClockTime(step);
    }
    events.addAll(out.readValuesToList());
  }

  private List<TaskState> statesOf(String requestId) {
    return events.stream()
        .filter(e -> e.getRequestId().equals(requestId))
        .map(TaskStatus::getState)
        .filter(s -> s != TaskState.SUBMITTED)
        .toList();
  }

  private TaskStatus last(String requestId) {
    List<TaskStatus> mine =
        events.stream().filter(e -> e.getRequestId().equals(requestId)).toList();
    return mine.get(mine.size() - 1);
  }

  @Test
  void emitsPendingRunningSucceededOnceEachPollingPolitely() {
    start(Map.of());
    Instant submittedAt = clock.instant();
    String taskId = submit("req-happy", "a cat surfs");

    tick(Duration.ofSeconds(45));

    assertThat(statesOf("req-happy"))
        .containsExactly(TaskState.PENDING, TaskState.RUNNING, TaskState.SUCCEEDED);
    TaskStatus done = last("req-happy");
    assertThat(done.getTaskId()).isEqualTo(taskId);
    assertThat(done.getApiKeyRef()).isEqualTo(KEY.ref());
    assertThat(done.getMetadata()).containsEntry("campaign", "spring");
    assertThat(done.getUsage()).isNotNull();
    assertThat(done.getUsage().getVideoDurationMillis()).isPositive();
    assertThat(done.getProviderEndTime()).isNotNull();
    assertThat(done.getResultUrl()).startsWith(sim.baseUrl()).doesNotContain("?", "Signature");

    List<SimulatorLedger.Poll> polls = sim.ledger().polls(taskId);
    assertThat(polls.get(0).at())
        .as("first poll 5 s after submission")
        .isEqualTo(submittedAt.plusSeconds(5));
    assertThat(sim.ledger().minPollGap(taskId).orElseThrow())
        .as("polls of one task are 5-10 s apart")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    for (int i = 1; i < polls.size(); i++) {
      assertThat(Duration.between(polls.get(i - 1).at(), polls.get(i).at()))
          .isLessThanOrEqualTo(Duration.ofSeconds(11));
    }

    int pollsWhenDone = sim.ledger().polls(taskId).size();
    tick(Duration.ofSeconds(30));
    assertThat(sim.ledger().polls(taskId)).as("no poll after the end").hasSize(pollsWhenDone);
  }

  /** Provider calls held back until {@link #release}, then run on the pool. */
  private static final class HeldCalls implements Executor {
    private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
    private final Executor pool;
    private final AtomicInteger released = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();

    HeldCalls(Executor pool) {
      this.pool = pool;
    }

    @Override
    public void execute(Runnable call) {
      held.add(call);
    }

    int size() {
      return held.size();
    }

    /** Runs the held calls; the answers are in once {@link #allFinished}. */
    void release() {
      for (Runnable call = held.poll(); call != null; call = held.poll()) {
        released.incrementAndGet();
        Runnable c = call;
        pool.execute(
            () -> {
              try {
                c.run();
              } finally {
                finished.incrementAndGet();
              }
            });
      }
    }

    boolean allFinished() {
      return finished.get() == released.get();
    }
  }

  @Test
  void aPunctuationAppliesItsAnswersLaterWithoutWaiting() {
    HeldCalls held = new HeldCalls(pool);
    calls = held;
    start(
        Map.of("poller.call-wait", "0s"),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofMinutes(1))
            .runningTime(Duration.ofSeconds(10)));
    String taskId = submit("req-async", "a cat naps");

    tick(Duration.ofSeconds(5)); // the first poll falls due and is started, not answered
    assertThat(held.size()).as("the first poll, held back").isEqualTo(1);
    String other = submit("req-after", "a dog naps");
    tick(Duration.ofSeconds(4));
    assertThat(events).as("no answer yet, so no event").isEmpty();
    assertThat(held.size()).as("no second call while the first is under way").isEqualTo(1);

    held.release();
    await().until(held::allFinished);
    tick(Duration.ofSeconds(1)); // also the second task's first poll: 5 s after its submission

    assertThat(statesOf("req-async"))
        .as("the answer applied by the next punctuation")
        .containsExactly(TaskState.PENDING);
    assertThat(sim.ledger().polls(taskId)).hasSize(1);
    assertThat(held.size()).as("the second task's first poll, held back").isEqualTo(1);
    held.release();
    await().until(held::allFinished);
    tick(Duration.ofSeconds(1));
    assertThat(statesOf("req-after")).containsExactly(TaskState.PENDING);
    assertThat(sim.ledger().polls(other)).hasSize(1);
  }

  @Test
  void anAnswerAboutATaskEndedMeanwhileIsDroppedWithoutWaiting() {
    HeldCalls held = new HeldCalls(pool);
    calls = held;
    start(Map.of("poller.call-wait", "0s"));
    String taskId = submit("req-gone", "a cat leaves");
    tick(Duration.ofSeconds(5));
    assertThat(held.size()).isEqualTo(1);

    // Another instance announced the end while this one's poll was under way.
    TaskStatus cancelled =
        TaskStatuses.of("req-gone", TaskState.CANCELED)
            .setTaskId(taskId)
            .setApiKeyRef(KEY.ref())
            .setEventTime(clock.instant())
            .build();
    in.pipeInput("req-gone", cancelled, clock.instant());
    held.release();
    await().until(held::allFinished);
    tick(Duration.ofSeconds(30));

    assertThat(sim.ledger().polls(taskId)).as("the call was made").hasSize(1);
    assertThat(statesOf("req-gone")).as("its late answer emits nothing").isEmpty();
    assertThat(held.size()).as("nor brings the task back to be polled").isZero();
  }

  @Test
  void answersThatChangeNothingKeepTheCadenceWithoutWritingTheStore() {
    start(
        Map.of(),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(2))
            .runningTime(Duration.ofMinutes(5)));
    String taskId = submit("req-long", "a long take");

    tick(Duration.ofSeconds(90));

    assertThat(statesOf("req-long")).containsExactly(TaskState.RUNNING);
    List<SimulatorLedger.Poll> polls = sim.ledger().polls(taskId);
    assertThat(polls).as("polled all along, 5-10 s apart").hasSizeGreaterThanOrEqualTo(9);
    for (int i = 1; i < polls.size(); i++) {
      assertThat(Duration.between(polls.get(i - 1).at(), polls.get(i).at()))
          .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(11));
    }
    KeyValueStore<String, InFlightTask> store = driver.getKeyValueStore(PollerTopology.STORE);
    InFlightTask stored = store.get("req-long");
    assertThat(stored.getStatus().getState()).isEqualTo(TaskState.RUNNING);
    assertThat(stored.getLastPollAt())
        .as("the store keeps the poll that saw RUNNING, not the uneventful ones after it")
        .isEqualTo(polls.get(0).at())
        .isBefore(polls.get(polls.size() - 1).at());
  }

  @Test
  void aProcessorJustStartedCallsNothingForThreeSecondsThoughItsStoreSaysDue() {
    // A restored store (a replaced stream thread, a rolled-back transaction, a partition taken
    // over) may not know of a poll made moments before: the processor waits 3 s before any call.
    start(Map.of());
    GenerationRequest request = GenerationRequestBuilder.i2vFlash().prompt("overdue").build();
    String taskId = ((SubmitOutcome.Accepted) client.submit(KEY, request, "r-overdue")).taskId();
    in.pipeInput(
        "r-overdue",
        TaskStatuses.submitted("r-overdue", taskId)
            .setApiKeyRef(KEY.ref())
            .setEventTime(clock.instant())
            .setSubmittedAt(clock.instant().minusSeconds(60))
            .build(),
        clock.instant());

    tick(Duration.ofMillis(2_500), Duration.ofMillis(500));
    assertThat(sim.ledger().polls(taskId)).as("no call in the processor's first 3 s").isEmpty();

    tick(Duration.ofMillis(1_000), Duration.ofMillis(500));
    assertThat(sim.ledger().polls(taskId)).as("due, and 3 s have passed").hasSize(1);
  }

  @Test
  void cancelsATaskStillPendingAtTheTimeoutAndEndsItTimedOut() {
    start(Map.of("poller.timeout", "60s"));
    String taskId = submit("req-stuck", "[sim:pending-forever] a queue that never moves");

    tick(Duration.ofSeconds(75));

    assertThat(statesOf("req-stuck")).containsExactly(TaskState.PENDING, TaskState.TIMED_OUT);
    TaskStatus timedOut = last("req-stuck");
    assertThat(timedOut.getError().getCode()).isEqualTo(TaskTransitions.TIMEOUT);
    assertThat(timedOut.getError().getMessage()).contains("PENDING", "cancelled", "not charged");
    assertThat(sim.ledger().cancels()).hasSize(1);
    assertThat(sim.ledger().cancels().get(0).canceled()).isTrue();
    assertThat(sim.ledger().cancels().get(0).at()).isAfterOrEqualTo(T0.plusSeconds(60));
    assertThat(sim.status(taskId)).contains(NativeStatus.CANCELED);
  }

  @Test
  void aCancelCommandCancelsAPendingTaskAtTheProviderAndEndsItCanceledNotCharged() {
    start(Map.of());
    String taskId = submit("req-unwanted", "[sim:pending-forever] no longer needed");
    tick(Duration.ofSeconds(6));
    assertThat(statesOf("req-unwanted")).containsExactly(TaskState.PENDING);

    RequestCommand cancel =
        RequestCommands.cancelRequest("req-unwanted", "campaign stopped", "ops", clock.instant());
    command(cancel);
    tick(Duration.ofSeconds(15));

    assertThat(statesOf("req-unwanted")).containsExactly(TaskState.PENDING, TaskState.CANCELED);
    TaskStatus canceled = last("req-unwanted");
    assertThat(canceled.getError().getCode()).isEqualTo(TaskTransitions.CANCELED_AT_PROVIDER);
    assertThat(canceled.getError().getRetryable()).isFalse();
    assertThat(canceled.getError().getMessage())
        .contains(cancel.getCommandId(), "by ops", "campaign stopped", "not charged");
    assertThat(canceled.getUsage()).as("nothing to charge").isNull();
    assertThat(sim.ledger().cancels()).hasSize(1);
    assertThat(sim.ledger().cancels().get(0).canceled()).isTrue();
    assertThat(sim.ledger().cancels().get(0).at())
        .as("at the task's next poll after the command: within its 5-10 s interval")
        .isBetween(T0.plusSeconds(6), T0.plusSeconds(17));
    assertThat(sim.status(taskId)).contains(NativeStatus.CANCELED);

    int polls = sim.ledger().polls(taskId).size();
    tick(Duration.ofSeconds(20));
    assertThat(sim.ledger().polls(taskId)).as("no call after the end").hasSize(polls);
  }

  @Test
  void aBatchCancelCancelsEveryPendingTaskOfThatBatchOnly() {
    start(Map.of());
    submitInBatch("b1.a", "[sim:pending-forever] a", "b1");
    submitInBatch("b1.b", "[sim:pending-forever] b", "b1");
    String other = submitInBatch("b2.a", "[sim:pending-forever] c", "b2");

    command(RequestCommands.cancelBatch("b1", null, "ops", clock.instant()));
    tick(Duration.ofSeconds(15));

    assertThat(statesOf("b1.a")).endsWith(TaskState.CANCELED);
    assertThat(statesOf("b1.b")).endsWith(TaskState.CANCELED);
    assertThat(statesOf("b2.a")).containsExactly(TaskState.PENDING);
    assertThat(sim.ledger().cancels()).hasSize(2);
    assertThat(sim.status(other)).contains(NativeStatus.PENDING);
  }

  @Test
  void aRunningTaskIsNotCancelledByACommandAndFinishes() {
    start(Map.of());
    String taskId = submit("req-running", "a long take");
    tick(Duration.ofSeconds(12));
    assertThat(statesOf("req-running")).endsWith(TaskState.RUNNING);

    command(RequestCommands.cancelRequest("req-running", null, "ops", clock.instant()));
    // A command that names no target is passed over.
    command(
        RequestCommand.newBuilder()
            .setCommandId("malformed")
            .setAction(CommandAction.CANCEL)
            .setRequestedAt(clock.instant())
            .build());
    tick(Duration.ofSeconds(30));

    assertThat(statesOf("req-running")).endsWith(TaskState.RUNNING, TaskState.SUCCEEDED);
    assertThat(sim.ledger().cancels()).as("a running task is not asked to cancel").isEmpty();
    assertThat(sim.status(taskId)).contains(NativeStatus.SUCCEEDED);
  }

  @Test
  void timesOutATaskStillRunningWithoutCancellingIt() {
    start(Map.of("poller.timeout", "60s"));
    submit("req-slow", "[sim:never-finish] a very long take");

    tick(Duration.ofSeconds(75));

    assertThat(statesOf("req-slow")).endsWith(TaskState.RUNNING, TaskState.TIMED_OUT);
    assertThat(last("req-slow").getError().getCode()).isEqualTo("TIMEOUT");
    assertThat(last("req-slow").getError().getMessage()).contains("RUNNING");
    assertThat(sim.ledger().cancels()).isEmpty();
  }

  @Test
  void aTaskFailedAtTheProviderEndsFailedWithItsClassifiedCode() {
    start(Map.of());
    submit("req-bad", "[sim:fail=DataInspectionFailed] something inappropriate");

    tick(Duration.ofSeconds(45));

    assertThat(statesOf("req-bad")).endsWith(TaskState.FAILED);
    TaskStatus failed = last("req-bad");
    assertThat(failed.getError().getCode()).isEqualTo("DataInspectionFailed");
    assertThat(failed.getError().getRetryable()).isFalse();
    assertThat(failed.getUsage()).isNull();
  }

  @Test
  void failedPollsOnlyBackOffAndNeverFailTheTask() {
    start(Map.of("poller.backoff.initial", "8s", "poller.backoff.max", "16s"));
    String taskId = submit("req-throttled", "a cat");
    sim.setFaults(Route.QUERY, Faults.alwaysThrottle());

    tick(Duration.ofSeconds(40));

    assertThat(statesOf("req-throttled")).as("no event while every poll fails").isEmpty();
    List<SimulatorLedger.Poll> throttled = sim.ledger().polls(taskId);
    assertThat(throttled).isNotEmpty().allSatisfy(p -> assertThat(p.httpStatus()).isEqualTo(429));
    assertThat(sim.ledger().minPollGap(taskId).orElse(Duration.ofDays(1)))
        .as("failed polls back off")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(4));

    sim.setFaults(Route.QUERY, Faults.NONE);
    tick(Duration.ofSeconds(40));
    assertThat(statesOf("req-throttled")).endsWith(TaskState.SUCCEEDED);
  }

  @Test
  void aTaskTheProviderDoesNotKnowEndsUnknownAfterThreeAnswers() {
    start(Map.of());
    String ghost = UUID.randomUUID().toString();
    announceSubmitted("req-ghost", ghost);

    tick(Duration.ofSeconds(40));

    assertThat(statesOf("req-ghost")).containsExactly(TaskState.UNKNOWN);
    assertThat(last("req-ghost").getError().getCode()).isEqualTo(TaskTransitions.TASK_UNKNOWN);
    assertThat(sim.ledger().polls(ghost)).hasSize(3);
  }

  @Test
  void onePunctuationStartsAtMostItsCapOfCallsAndLeavesTheRestDue() {
    start(Map.of("provider.default.query-rate", "100000"));
    int tasks = PollerTopology.MAX_CALLS_UNDER_WAY + 200;
    for (int i = 0; i < tasks; i++) {
      announceSubmitted("req-cap-" + i, UUID.randomUUID().toString());
    }

    tick(Duration.ofSeconds(5)); // every first poll falls due in the same punctuation

    assertThat(sim.ledger().polls()).hasSize(PollerTopology.MAX_CALLS_UNDER_WAY);

    tick(Duration.ofSeconds(1));

    assertThat(sim.ledger().polls()).hasSize(tasks);
  }

  @Test
  void theAccountsQueryRateCapsCallsPerSecondWithoutDroppingTasks() {
    start(Map.of("provider.default.query-rate", "2"));
    List<String> requests = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      submit("req-account-rate-" + i, "cat " + i);
      requests.add("req-account-rate-" + i);
    }

    // The pollers spend 1.8 of the 2 calls a second (a tenth is kept for reconciliation): one call
    // in any 1.05 s, so with a punctuation every 500 ms one call every 1.5 s, and the sixth task's
    // first poll comes 7.5 s after the first's. Six tasks fit in 5 s at that rate: no list mode.
    tick(Duration.ofSeconds(14), Duration.ofMillis(500));

    assertThat(sim.ledger().maxPollsPerSecond("default")).isLessThanOrEqualTo(2);
    for (String r : requests) {
      assertThat(statesOf(r)).as(r).startsWith(TaskState.PENDING);
    }
  }

  @Test
  void thePerInstanceCapLowersTheAccountsQueryRate() {
    start(Map.of("provider.default.query-rate", "10", "poller.query-rate", "2"));
    List<String> requests = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      submit("req-budget-" + i, "cat " + i);
      requests.add("req-budget-" + i);
    }

    // The pollers spend 1.8 of the 2 calls a second (a tenth is kept for reconciliation): one call
    // in any 1.05 s, so with a punctuation every 500 ms one call every 1.5 s, and the sixth task's
    // first poll comes 7.5 s after the first's. Six tasks fit in 5 s at that rate: no list mode.
    tick(Duration.ofSeconds(14), Duration.ofMillis(500));

    assertThat(sim.ledger().maxPollsPerSecond("default")).isLessThanOrEqualTo(2);
    for (String r : requests) {
      assertThat(statesOf(r)).as(r).startsWith(TaskState.PENDING);
    }
  }

  @Test
  void stopsPollingWhenTheTaskEndsElsewhereButNotForAReusedRequestId() {
    start(Map.of());
    String taskId = submit("req-elsewhere", "a cat");
    tick(Duration.ofSeconds(6));
    int polls = sim.ledger().polls(taskId).size();
    assertThat(polls).isEqualTo(1);

    // A REJECTED for a reused request_id carries no task: polling goes on.
    in.pipeInput(
        "req-elsewhere",
        TaskStatus.newBuilder(submitted("req-elsewhere", taskId))
            .setState(TaskState.REJECTED)
            .setTaskId(null)
            .build(),
        clock.instant());
    tick(Duration.ofSeconds(11));
    assertThat(sim.ledger().polls(taskId).size()).isGreaterThan(polls);

    in.pipeInput(
        "req-elsewhere",
        TaskStatus.newBuilder(submitted("req-elsewhere", taskId))
            .setState(TaskState.CANCELED)
            .build(),
        clock.instant());
    int after = sim.ledger().polls(taskId).size();
    tick(Duration.ofSeconds(30));
    assertThat(sim.ledger().polls(taskId)).hasSize(after);
  }

  @Test
  void theBudgetIsNeverExceededInAnyOneSecondWindowAndIsUsed() {
    start(
        Map.of("poller.list-query", "false", "poller.punctuate-interval", "350ms"),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(10))
            .runningTime(Duration.ofSeconds(20))
            .concurrencyCap("wan2.2-i2v-flash", 1000));
    for (int i = 0; i < 150; i++) {
      submit("req-budget-window-" + i, "cat " + i);
    }

    tick(Duration.ofSeconds(30), Duration.ofMillis(350));

    assertThat(sim.ledger().maxPollsPerSecond("default"))
        .as("the pollers' part of the account's 20: less the reconciliation and archive reserves")
        .isLessThanOrEqualTo(16);
    assertThat(sim.ledger().polls()).noneMatch(p -> p.httpStatus() == 429);
    // 150 tasks due every 5-10 s need more than the budget: it is used close to the pollers' rate
    // (16 of the 20 calls a second, per 1.05 s window, three punctuations of 350 ms).
    assertThat(sim.ledger().polls().size()).isGreaterThan(15 * 23);
  }

  @Test
  void listModeAnswersManyTasksOfOneAccountWithFewCalls() {
    start(
        Map.of("poller.punctuate-interval", "350ms"),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(10))
            .runningTime(Duration.ofSeconds(25))
            .concurrencyCap("wan2.2-i2v-flash", 1000));
    int n = 1000;
    for (int i = 0; i < n; i++) {
      submit("req-list-" + i, "cat " + i);
    }

    tick(Duration.ofSeconds(150), Duration.ofMillis(350));

    for (int i = 0; i < n; i++) {
      assertThat(statesOf("req-list-" + i)).as("req-list-" + i).endsWith(TaskState.SUCCEEDED);
      assertThat(last("req-list-" + i).getUsage()).as("usage from the full query").isNotNull();
    }
    SimulatorLedger ledger = sim.ledger();
    assertThat(ledger.lists()).as("list mode was used").isNotEmpty();
    assertThat(ledger.lists()).allSatisfy(l -> assertThat(l.httpStatus()).isEqualTo(200));
    assertThat(ledger.polls()).noneMatch(p -> p.httpStatus() == 429);
    assertThat(ledger.maxPollsPerSecond("default")).isLessThanOrEqualTo(20);
    int calls = ledger.polls().size() + ledger.lists().size();
    // Per-task polling needs a poll at 5 s, about two while PENDING, three while RUNNING and one
    // to see the end: at least 5 per task. Lists answer the unchanged ones.
    assertThat((double) calls / n).as("calls per completed task").isLessThan(2.0);
    assertThat(ledger.minPollGap().orElse(Duration.ofDays(1)))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void inListModeEveryFinishedTaskIsAnnouncedWithinOneIntervalAndASecond() {
    start(
        Map.of("poller.punctuate-interval", "350ms"),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(5))
            .runningTime(Duration.ofSeconds(30))
            .concurrencyCap("wan2.2-i2v-flash", 1000));
    int n = 1000;
    Map<String, String> taskOf = new HashMap<>();
    for (int i = 0; i < n; i++) {
      // Ends spread over 90 s: about 11 tasks finish every second while up to 1,000 are tracked.
      long runMs = 20_000 + (i * 7919L) % 90_000;
      String requestId = "req-delay-" + i;
      taskOf.put(requestId, submit(requestId, "[sim:run-ms=" + runMs + "] cat " + i));
    }

    tick(Duration.ofSeconds(130), Duration.ofMillis(350));

    Map<String, Instant> ended = new HashMap<>();
    for (SimulatorLedger.TaskRecord t : sim.ledger().tasks()) {
      if (t.ended() != null) {
        ended.put(t.taskId(), t.ended());
      }
    }
    Duration worst = Duration.ZERO;
    for (Map.Entry<String, String> e : taskOf.entrySet()) {
      TaskStatus end = last(e.getKey());
      assertThat(end.getState()).as(e.getKey()).isEqualTo(TaskState.SUCCEEDED);
      Duration delay = Duration.between(ended.get(e.getValue()), end.getEventTime());
      worst = delay.compareTo(worst) > 0 ? delay : worst;
    }
    // The target: within one 10 s interval plus 1 s of the end at the provider.
    assertThat(worst).as("longest detection delay").isLessThanOrEqualTo(Duration.ofSeconds(11));
    SimulatorLedger ledger = sim.ledger();
    assertThat(ledger.lists()).as("list mode was used").isNotEmpty();
    assertThat(ledger.polls()).noneMatch(p -> p.httpStatus() == 429);
    assertThat(ledger.lists()).noneMatch(l -> l.httpStatus() == 429);
    assertThat(ledger.maxPollsPerSecond("default")).isLessThanOrEqualTo(20);
  }

  /**
   * Five tasks of one class run 20 s, so the forecast expects the next one to end 20 s after it
   * started; it runs 22 s. Its aimed poll lands just after 20 s and answers RUNNING, and the next
   * poll would come 5-10 s later. Returns the time from its end at the provider to its SUCCEEDED
   * event, and checks the rules held.
   */
  private Duration detectionOfALateTaskOfAForecastClass(String endSweepInterval) {
    start(
        Map.of("poller.end-sweep-interval", endSweepInterval),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(2))
            .runningTime(Duration.ofSeconds(20))
            .concurrencyCap("wan2.2-i2v-flash", 100));
    for (int i = 0; i < 5; i++) {
      submit("req-class-" + i, "[sim:run-ms=20000] cat " + i);
    }
    tick(Duration.ofSeconds(40), Duration.ofMillis(350));
    for (int i = 0; i < 5; i++) {
      assertThat(statesOf("req-class-" + i)).endsWith(TaskState.SUCCEEDED);
    }
    int listsBefore = sim.ledger().lists().size();
    String taskId = submit("req-late", "[sim:run-ms=22000] cat");
    tick(Duration.ofSeconds(40), Duration.ofMillis(350));

    assertThat(statesOf("req-late")).endsWith(TaskState.SUCCEEDED);
    SimulatorLedger ledger = sim.ledger();
    Instant end =
        ledger.tasks().stream()
            .filter(t -> t.taskId().equals(taskId))
            .findFirst()
            .orElseThrow()
            .ended();
    assertThat(ledger.minPollGap(taskId).orElseThrow())
        .isGreaterThanOrEqualTo(PollScheduler.MIN_SPACING);
    assertThat(ledger.maxPollsPerSecond("default")).isLessThanOrEqualTo(20);
    List<SimulatorLedger.ListCall> lists =
        ledger.lists().subList(listsBefore, ledger.lists().size());
    if (endSweepInterval.equals("0s")) {
      assertThat(lists).as("no list call without end sweeps (one task: no list mode)").isEmpty();
    } else {
      assertThat(lists).as("end sweeps").isNotEmpty().allMatch(l -> l.httpStatus() == 200);
      // One sweep per interval at most while the task was in its window.
      assertThat(lists.size()).isLessThanOrEqualTo(12);
    }
    return Duration.between(end, last("req-late").getEventTime());
  }

  @Test
  void anEndSweepSeesALateTaskFinishedAndQueriesItAtTheFloorNotAtItsNextPoll() {
    Duration delay = detectionOfALateTaskOfAForecastClass("1s");
    // The aimed poll answered RUNNING 20.25 s after the start; the sweep shows the end (22 s)
    // within a second and a punctuation, and the query waits for the 3 s floor (23.25 s) at most.
    assertThat(delay).isLessThanOrEqualTo(Duration.ofMillis(2_100));
  }

  @Test
  void withoutEndSweepsTheSameTaskIsSeenOnlyAtItsNextPoll() {
    Duration delay = detectionOfALateTaskOfAForecastClass("0s");
    // The next poll comes at least 5 s after the aimed one: 3.25 s after the end at the earliest.
    assertThat(delay).isGreaterThanOrEqualTo(Duration.ofMillis(3_250));
  }

  @Test
  void aRunningTaskTimedOutIsWatchedSlowlyAndItsLateSuccessAnnounced() {
    start(Map.of("poller.timeout", "60s", "poller.late-watch-interval", "30s"));
    String taskId = submit("req-late", "[sim:run-ms=90000] a long take");

    tick(Duration.ofSeconds(61));
    assertThat(statesOf("req-late"))
        .containsExactly(TaskState.PENDING, TaskState.RUNNING, TaskState.TIMED_OUT);
    int pollsAtTimeout = sim.ledger().polls(taskId).size();

    tick(Duration.ofSeconds(28));
    assertThat(sim.ledger().polls(taskId)).as("watched slowly").hasSize(pollsAtTimeout);

    tick(Duration.ofSeconds(45));
    assertThat(statesOf("req-late"))
        .containsExactly(
            TaskState.PENDING, TaskState.RUNNING, TaskState.TIMED_OUT, TaskState.LATE_SUCCEEDED);
    TaskStatus late = last("req-late");
    assertThat(late.getUsage()).isNotNull();
    assertThat(late.getUsage().getVideoDurationMillis()).isPositive();
    assertThat(late.getResultUrl()).startsWith(sim.baseUrl());
    assertThat(late.getError()).isNull();
    assertThat(sim.ledger().cancels()).isEmpty();
    List<SimulatorLedger.Poll> polls = sim.ledger().polls(taskId);
    assertThat(polls.subList(pollsAtTimeout, polls.size()))
        .as("one watch poll at 90 s (RUNNING), one at 120 s (SUCCEEDED)")
        .hasSize(2);

    int after = sim.ledger().polls(taskId).size();
    tick(Duration.ofSeconds(70));
    assertThat(sim.ledger().polls(taskId)).as("the watch ended").hasSize(after);
  }

  @Test
  void aWatchedTaskThatFailsEndsItsWatchWithoutAnEvent() {
    start(Map.of("poller.timeout", "30s", "poller.late-watch-interval", "20s"));
    String taskId = submit("req-late-fail", "[sim:run-ms=40000] [sim:fail] a long failing take");

    tick(Duration.ofSeconds(80));

    assertThat(statesOf("req-late-fail"))
        .containsExactly(TaskState.PENDING, TaskState.RUNNING, TaskState.TIMED_OUT);
    int polls = sim.ledger().polls(taskId).size();
    tick(Duration.ofSeconds(60));
    assertThat(sim.ledger().polls(taskId)).as("no watch after FAILED").hasSize(polls);
  }

  @Test
  void throttledPollsSlowTheAccountDownAndFailNothing() {
    start(
        Map.of("poller.list-query", "false"),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(5))
            .runningTime(Duration.ofSeconds(10))
            .concurrencyCap("wan2.2-i2v-flash", 100));
    List<String> requests = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      submit("req-429-" + i, "cat " + i);
      requests.add("req-429-" + i);
    }
    sim.setFaults(Route.QUERY, Faults.alwaysThrottle());
    tick(Duration.ofSeconds(5));
    int before = sim.ledger().polls().size();

    tick(Duration.ofSeconds(20));

    int throttled = sim.ledger().polls().size() - before;
    // Unthrottled, 60 tasks due every 5-10 s make about 8 polls a second (160 in 20 s); every
    // 429 halves the account's rate down to 1/16 of it.
    assertThat(throttled).as("polls while throttled").isLessThan(60);
    assertThat(events).as("no event while every poll is throttled").isEmpty();

    sim.setFaults(Route.QUERY, Faults.NONE);
    tick(Duration.ofSeconds(90));
    for (String r : requests) {
      assertThat(statesOf(r)).as(r).endsWith(TaskState.SUCCEEDED).doesNotContain(TaskState.FAILED);
    }
  }

  @Test
  void anAccountWhoseDialectHasNoListStaysOnPerTaskPolls() {
    viaCrazyrouter = true;
    start(
        Map.of("poller.punctuate-interval", "350ms"),
        SimulatorConfig.builder()
            .pendingTime(Duration.ofSeconds(5))
            .runningTime(Duration.ofSeconds(10))
            .concurrencyCap("wan2.2-i2v-flash", 1000));
    int n = 300;
    for (int i = 0; i < n; i++) {
      submit("req-no-list-" + i, "cat " + i);
    }

    // 300 due tasks do not fit in 10 s at 20/s: list mode is tried once, the gateway answers
    // UNSUPPORTED_OPERATION without a call, and the account stays on per-task polls.
    tick(Duration.ofSeconds(90), Duration.ofMillis(350));

    for (int i = 0; i < n; i++) {
      assertThat(statesOf("req-no-list-" + i)).as("req-no-list-" + i).endsWith(TaskState.SUCCEEDED);
    }
    assertThat(sim.ledger().lists()).isEmpty();
    assertThat(sim.ledger().maxPollsPerSecond("default")).isLessThanOrEqualTo(20);
    assertThat(sim.ledger().minPollGap().orElseThrow())
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
  }
}
