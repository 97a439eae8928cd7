package io.wanpipeline.submitter;

import static io.wanpipeline.infra.testing.TopicLog.states;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.dispatch.QueueWaitLimit;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The submitter's admission under the provider's caps, against a real broker and the simulator:
 * in-progress cap, submit rate, independence of (account, model)s, LIVE before BATCH, and waiting
 * that survives a restart. Nothing polls here, so a task counts as in progress until the test
 * writes its terminal event, as the poller would.
 */
class SubmitterAdmissionIT {
  private static final int PARTITIONS = 3;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String FLASH = "wan2.2-i2v-flash";
  private static final String I2V = "wan2.6-i2v";

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(SimulatorConfig.builder().retryAfter(Duration.ofMillis(200)))
          .partitions(PARTITIONS)
          .named("adm");

  private PipelineEnv env;
  private WanSimulator sim;
  private Topics topics;
  private Topic<String, SubmissionLedgerEntry> ledgerTopic;
  private Topic<String, SubmissionLedgerEntry> dispatchTopic;
  private TopicLog<TaskStatus> status;
  private String run;

  @BeforeEach
  void topics(PipelineEnv env) {
    this.env = env;
    sim = env.simulator();
    run = env.uniqueName("r");
    topics = env.topics();
    ledgerTopic = SubmissionLedger.topic(env.topicNames(), env.registry());
    dispatchTopic = SubmissionLedger.dispatchTopic(env.topicNames(), env.registry());
    status = env.status();
  }

  private SubmitterService startService(String instanceId, Map<String, String> extra) {
    return startService(instanceId, extra, Clock.systemUTC());
  }

  private SubmitterService startService(String instanceId, Map<String, String> extra, Clock clock) {
    Map<String, String> settings = env.settings(PipelineEnv.Service.SUBMITTER);
    settings.put("provider.accounts", "default,second");
    settings.put("provider.second.api-key", "sk-admission-it-2");
    settings.put("provider.second.base-url", sim.baseUrl());
    settings.put("submitter.instance-id", instanceId);
    settings.putAll(extra);
    SubmitterConfig config = SubmitterConfig.from(Settings.of(settings));
    SubmitterService service =
        new SubmitterService(
            config,
            clock,
            topics,
            env.registry(),
            account -> DashScopeClient.builder().baseUrl(account.baseUrl()).build());
    env.closeAfter(service);
    service.start();
    return service;
  }

  private String id(String name) {
    return run + "-" + name;
  }

  private VideoRequest request(String name, String account, String model, Priority priority) {
    return VideoRequests.i2vFlash(id(name))
        .providerAccount(account)
        .model(model)
        .prompt("stays running [sim:never-finish] " + name)
        .resolution(model.equals(FLASH) ? "480P" : "720P")
        .duration(5)
        .priority(priority)
        .requestedAt(Instant.now())
        .build();
  }

  private VideoRequest request(String name) {
    return request(name, null, FLASH, Priority.LIVE);
  }

  private void produce(VideoRequest r) {
    env.send(topics.videoRequests(), r.getRequestId(), r);
  }

  /** Writes the terminal event the poller would write for the SUBMITTED task of {@code name}. */
  private void finish(String name) {
    TaskStatus submitted = submittedEvent(name);
    TaskStatus done =
        TaskStatus.newBuilder(submitted)
            .setState(TaskState.SUCCEEDED)
            .setEventTime(Instant.now())
            .build();
    env.send(topics.taskStatus(), done.getRequestId(), done);
  }

  private TaskStatus submittedEvent(String name) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(states(status.refresh(), id(name))).contains(TaskState.SUBMITTED));
    return status.valuesOf(id(name)).stream()
        .filter(s -> s.getState() == TaskState.SUBMITTED)
        .findFirst()
        .orElseThrow();
  }

  private List<String> submittedAtSimulator(List<String> names) {
    List<String> ids = names.stream().map(this::id).toList();
    return sim.ledger().submissions().stream()
        .filter(s -> ids.contains(s.pipelineRequestId()))
        .filter(s -> s.taskId() != null)
        .sorted(Comparator.comparing(SimulatorLedger.Submission::at))
        .map(s -> s.pipelineRequestId().substring(run.length() + 1))
        .toList();
  }

  private void awaitQueued(List<String> names) {
    try (TopicLog<SubmissionLedgerEntry> ledger = new TopicLog<>(env.bootstrap(), ledgerTopic)) {
      await()
          .atMost(WAIT)
          .until(
              () -> {
                ledger.refresh();
                return names.stream()
                    .allMatch(
                        n ->
                            ledger.valuesOf(id(n)).stream()
                                .anyMatch(e -> e.getKind() == SubmissionKind.QUEUED));
              });
    }
  }

  @Test
  void onlyMaxInProgressTasksRunUntilOneEnds() {
    startService(
        "cap-0",
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", "2",
            "provider.default.model." + FLASH + ".submit-rate", "10"));
    List<String> names = List.of("cap-a", "cap-b", "cap-c", "cap-d");
    names.forEach(n -> produce(request(n)));

    await().atMost(WAIT).until(() -> submittedAtSimulator(names).size() == 2);
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> submittedAtSimulator(names).size() == 2);

    String firstDone = submittedAtSimulator(names).get(0);
    finish(firstDone);
    await().atMost(WAIT).until(() -> submittedAtSimulator(names).size() == 3);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> submittedAtSimulator(names).size() == 3);
    assertThat(sim.ledger().maxSubmissionsPerRequestId()).isEqualTo(1);
  }

  @Test
  void noLaneExceedsItsSubmitRateInAnySecond() {
    startService(
        "rate-0",
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", "100",
            "provider.default.model." + FLASH + ".submit-rate", "2"));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      names.add("rate-" + i);
    }
    names.forEach(n -> produce(request(n)));
    await().atMost(WAIT).until(() -> submittedAtSimulator(names).size() == names.size());

    List<Instant> intents = new ArrayList<>();
    try (TopicLog<SubmissionLedgerEntry> ledger = new TopicLog<>(env.bootstrap(), dispatchTopic)) {
      await()
          .atMost(WAIT)
          .until(
              () -> {
                intents.clear();
                ledger.refresh().values().stream()
                    .filter(e -> e.getRequestId().startsWith(run + "-rate-"))
                    .filter(e -> e.getKind() == SubmissionKind.INTENT)
                    .map(SubmissionLedgerEntry::getRecordedAt)
                    .forEach(intents::add);
                return intents.size() == names.size();
              });
    }
    intents.sort(Comparator.naturalOrder());
    for (int i = 0; i + 2 < intents.size(); i++) {
      assertThat(Duration.between(intents.get(i), intents.get(i + 2)))
          .as("three create calls within one second at %s", intents.get(i))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void otherModelsAndAccountsProceedWhileOneLaneIsFull() {
    startService(
        "lanes-0",
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", "1",
            "provider.default.model." + I2V + ".max-in-progress", "5",
            "provider.second.model." + FLASH + ".max-in-progress", "5"));
    List<String> full = List.of("full-a", "full-b", "full-c");
    full.forEach(n -> produce(request(n)));
    List<String> others = List.of("other-model-a", "other-model-b", "other-account-a");
    produce(request("other-model-a", null, I2V, Priority.LIVE));
    produce(request("other-model-b", null, I2V, Priority.BATCH));
    produce(request("other-account-a", "second", FLASH, Priority.LIVE));

    await().atMost(WAIT).until(() -> submittedAtSimulator(others).size() == others.size());
    assertThat(submittedAtSimulator(full)).hasSize(1);
  }

  @Test
  void aLiveRequestOvertakesAWaitingBatchBacklog() {
    startService(
        "prio-0",
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", "1",
            "provider.default.model." + FLASH + ".submit-rate", "10"));
    produce(request("prio-first"));
    submittedEvent("prio-first");
    List<String> backlog = List.of("batch-1", "batch-2", "batch-3");
    backlog.forEach(n -> produce(request(n, null, FLASH, Priority.BATCH)));
    produce(request("live-late"));
    List<String> waiting = List.of("batch-1", "batch-2", "batch-3", "live-late");
    awaitQueued(waiting);
    // The dispatcher has read the queue by now; nothing moves while the slot is taken.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> submittedAtSimulator(waiting).isEmpty());

    finish("prio-first");
    await().atMost(WAIT).until(() -> submittedAtSimulator(waiting).size() == 1);
    assertThat(submittedAtSimulator(waiting)).containsExactly("live-late");
    finish("live-late");
    await().atMost(WAIT).until(() -> submittedAtSimulator(waiting).size() == 2);
    // BATCH requests keep their queue order, which is intake's order across video-requests
    // partitions, not necessarily the order they were produced in.
    assertThat(submittedAtSimulator(waiting).get(0)).isEqualTo("live-late");
    assertThat(submittedAtSimulator(waiting).get(1)).isIn(backlog);
  }

  @Test
  void waitingRequestsSurviveARestartAndAreSubmittedOnce() {
    Map<String, String> caps =
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", "1",
            "provider.default.model." + FLASH + ".submit-rate", "10");
    SubmitterService first = startService("restart-first", caps);
    List<String> names = List.of("wait-1", "wait-2", "wait-3", "wait-4");
    names.forEach(n -> produce(request(n)));
    await().atMost(WAIT).until(() -> submittedAtSimulator(names).size() == 1);
    awaitQueued(names);
    first.close();

    startService("restart-second", caps);
    // End each task as it is submitted, as the poller would, until all are through.
    List<String> finished = new ArrayList<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              for (String n : submittedAtSimulator(names)) {
                if (!finished.contains(n)) {
                  finish(n);
                  finished.add(n);
                }
              }
              return finished.size() == names.size();
            });

    Map<String, Long> perRequest =
        sim.ledger().submissions().stream()
            .filter(s -> s.pipelineRequestId().startsWith(run + "-wait-"))
            .collect(
                Collectors.groupingBy(
                    SimulatorLedger.Submission::pipelineRequestId, Collectors.counting()));
    assertThat(perRequest).hasSize(names.size());
    assertThat(perRequest.values()).allMatch(n -> n == 1);
    for (String n : names) {
      assertThat(states(status.refresh(), id(n))).as(n).containsOnlyOnce(TaskState.SUBMITTED);
    }
  }

  @Test
  void twoInstancesShareTheLanesAndOneStoppingHandsItsLanesOver() {
    Map<String, String> caps =
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", "100",
            "provider.default.model." + FLASH + ".submit-rate", "20",
            "provider.default.model." + I2V + ".max-in-progress", "100",
            "provider.default.model." + I2V + ".submit-rate", "20",
            "provider.second.model." + FLASH + ".max-in-progress", "100",
            "provider.second.model." + FLASH + ".submit-rate", "20");
    SubmitterService first = startService("pair-a", caps);
    startService("pair-b", caps);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String name = "pair-" + i;
      names.add(name);
      VideoRequest r =
          switch (i % 3) {
            case 0 -> request(name, null, FLASH, Priority.LIVE);
            case 1 -> request(name, null, I2V, Priority.BATCH);
            default -> request(name, "second", FLASH, Priority.LIVE);
          };
      produce(r);
      if (i == 14) {
        await().atMost(WAIT).until(() -> submittedAtSimulator(names).size() >= 5);
        first.close();
      }
    }

    await().atMost(WAIT).until(() -> submittedAtSimulator(names).size() == names.size());
    Map<String, Long> accepted =
        sim.ledger().submissions().stream()
            .filter(s -> s.pipelineRequestId().startsWith(run + "-pair-"))
            .filter(s -> s.taskId() != null)
            .collect(
                Collectors.groupingBy(
                    SimulatorLedger.Submission::pipelineRequestId, Collectors.counting()));
    assertThat(accepted).hasSize(names.size());
    assertThat(accepted.values()).allMatch(n -> n == 1);
    for (String n : names) {
      assertThat(states(status.refresh(), id(n))).as(n).containsOnlyOnce(TaskState.SUBMITTED);
    }
  }

  @Test
  void aRequestWaitingPastTheMaxQueueWaitEndsFailedOnceWithItsReason() throws Exception {
    AdjustableClock clock = new AdjustableClock(Instant.now());
    startService(
        "queue-wait-0",
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress",
            "1",
            "provider.default.model." + FLASH + ".submit-rate",
            "10",
            "submitter.max-queue-wait",
            "5m"),
        clock);
    produce(request("slot-holder"));
    submittedEvent("slot-holder");
    produce(request("too-late"));
    awaitQueued(List.of("too-late"));
    Map<TopicPartition, Long> lastQueued = queueOffsetOf(id("too-late"));

    // Queued behind a full lane: it waits, also four minutes later.
    clock.advance(Duration.ofMinutes(4));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> states(status.refresh(), id("too-late")).isEmpty());

    // Past five minutes it ends, though the lane is still full.
    clock.advance(Duration.ofMinutes(2));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(states(status.refresh(), id("too-late"))).contains(TaskState.FAILED));
    TaskStatus failed = status.valuesOf(id("too-late")).get(0);
    assertThat(failed.getState()).isEqualTo(TaskState.FAILED);
    assertThat(failed.getTaskId()).as("nothing was created").isNull();
    assertThat(failed.getError().getCode()).isEqualTo(QueueWaitLimit.QUEUE_TIMEOUT);
    assertThat(failed.getError().getRetryable()).isTrue();
    assertThat(failed.getError().getMessage())
        .contains("submitter.max-queue-wait=PT5M")
        .contains(FLASH);

    // The lane moves on: once the slot frees, a later request is submitted, never the ended one.
    clock.advance(Duration.ofMinutes(10));
    finish("slot-holder");
    produce(request("after"));
    submittedEvent("after");
    assertThat(states(status.refresh(), id("too-late")))
        .as("one terminal event, nothing after it")
        .containsExactly(TaskState.FAILED);
    assertThat(submittedAtSimulator(List.of("too-late"))).isEmpty();
    assertThat(sim.ledger().submissions())
        .noneMatch(sub -> id("too-late").equals(sub.pipelineRequestId()));

    // Its queue record is deleted once finished (the queue is never deleted by time).
    clock.advance(Duration.ofMinutes(2));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrap()))) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  offsets(admin, List.copyOf(lastQueued.keySet()), OffsetSpec.earliest())
                      .forEach(
                          (tp, start) ->
                              assertThat(start)
                                  .as("start offset of %s after the purge", tp)
                                  .isGreaterThan(lastQueued.get(tp))));
    }
  }

  @Test
  void queuedRequestsCancelledByIdOrByBatchEndCanceledWithoutASubmission() {
    startService(
        "cancel-0",
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", "1",
            "provider.default.model." + FLASH + ".submit-rate", "10"));
    produce(request("slot-holder"));
    submittedEvent("slot-holder");
    String batch = run + "-batch";
    produce(request("c-one"));
    for (String name : List.of("c-b1", "c-b2")) {
      produce(
          VideoRequest.newBuilder(request(name, null, FLASH, Priority.BATCH))
              .setMetadata(Map.of(RequestCommands.BATCH_ID_METADATA, batch))
              .build());
    }
    produce(request("c-keep"));
    awaitQueued(List.of("c-one", "c-b1", "c-b2", "c-keep"));

    RequestCommand one =
        RequestCommands.cancelRequest(id("c-one"), "not needed", "it", Instant.now());
    RequestCommand all = RequestCommands.cancelBatch(batch, null, "it", Instant.now());
    // A cancel may come before its request has even been read by intake.
    RequestCommand early = RequestCommands.cancelRequest(id("c-early"), null, "it", Instant.now());
    for (RequestCommand c : List.of(one, all, early)) {
      env.send(topics.requestCommands(), RequestCommands.key(c), c);
    }
    produce(request("c-early"));

    Map<String, RequestCommand> cancelledBy =
        Map.of("c-one", one, "c-b1", all, "c-b2", all, "c-early", early);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              status.refresh();
              cancelledBy
                  .keySet()
                  .forEach(
                      n -> assertThat(states(status, id(n))).as(n).contains(TaskState.CANCELED));
            });
    cancelledBy.forEach(
        (name, command) -> {
          TaskStatus canceled = status.valuesOf(id(name)).get(0);
          assertThat(canceled.getState()).as(name).isEqualTo(TaskState.CANCELED);
          assertThat(canceled.getTaskId()).as("nothing was created").isNull();
          assertThat(canceled.getError().getCode()).isEqualTo("CANCELED_BEFORE_SUBMISSION");
          assertThat(canceled.getError().getRetryable()).isFalse();
          assertThat(canceled.getError().getMessage())
              .contains(command.getCommandId(), "nothing is charged");
        });
    assertThat(status.valuesOf(id("c-one")).get(0).getError().getMessage()).contains("not needed");

    // The lane moves on to the request nobody cancelled; the cancelled ones are never called.
    finish("slot-holder");
    submittedEvent("c-keep");
    assertThat(submittedAtSimulator(List.copyOf(cancelledBy.keySet()))).isEmpty();
    assertThat(sim.ledger().submissions())
        .noneMatch(
            sub ->
                cancelledBy.keySet().stream()
                    .map(this::id)
                    .toList()
                    .contains(sub.pipelineRequestId()));
    cancelledBy
        .keySet()
        .forEach(
            n ->
                assertThat(states(status.refresh(), id(n)))
                    .as("one terminal event for %s", n)
                    .containsExactly(TaskState.CANCELED));
  }

  /** The partition and offset of the queue record of {@code requestId}. */
  private Map<TopicPartition, Long> queueOffsetOf(String requestId) {
    Topic<String, QueuedRequest> queueTopic = SubmissionQueue.topic(topics.names(), env.registry());
    try (TopicLog<QueuedRequest> queue = new TopicLog<>(env.bootstrap(), queueTopic)) {
      return await()
          .atMost(WAIT)
          .until(
              () ->
                  queue.refresh().raw().stream()
                      .filter(r -> r.value() != null)
                      .filter(
                          r ->
                              requestId.equals(
                                  queueTopic.value(r.value()).getRequest().getRequestId()))
                      .collect(
                          Collectors.toMap(
                              r -> new TopicPartition(r.topic(), r.partition()), r -> r.offset())),
              m -> !m.isEmpty());
    }
  }

  private static Map<TopicPartition, Long> offsets(
      Admin admin, List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
    Map<TopicPartition, OffsetSpec> query = new HashMap<>();
    partitions.forEach(tp -> query.put(tp, spec));
    return admin.listOffsets(query).all().get().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }
}
