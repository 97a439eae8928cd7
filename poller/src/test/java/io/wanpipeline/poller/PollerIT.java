package io.wanpipeline.poller;

import static io.wanpipeline.infra.testing.TopicLog.last;
import static io.wanpipeline.infra.testing.TopicLog.states;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.simulator.NativeStatus;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller as a Kafka Streams application on a real broker, polling the Wan simulator in real
 * time with short task timings (PENDING 9 s, RUNNING 12 s: the first poll at 5-6 s sees PENDING,
 * the second at 10-16 s sees RUNNING).
 */
class PollerIT {
  private static final ApiKey KEY = new ApiKey("default#0", PipelineEnv.API_KEY);
  private static final Duration WAIT = Duration.ofSeconds(90);

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(
              SimulatorConfig.builder()
                  .pendingTime(Duration.ofSeconds(9))
                  .runningTime(Duration.ofSeconds(12)))
          .partitions(2)
          .named("poll");

  @TempDir Path stateDir;
  private PipelineEnv env;
  private WanSimulator sim;
  private DashScopeClient client;
  private Topics topics;
  private TopicLog<TaskStatus> status;

  @BeforeEach
  void topics(PipelineEnv env) {
    this.env = env;
    sim = env.simulator();
    client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    topics = env.topics();
    status = env.status();
  }

  private SimpleMeterRegistry startPoller(Map<String, String> extra) {
    Map<String, String> settings = env.settings(PipelineEnv.Service.POLLER);
    settings.put("kafka.commit.interval.ms", "100");
    settings.put("poller.state-dir", stateDir.toString());
    settings.putAll(extra);
    PollerService poller =
        new PollerService(
            PollerConfig.from(Settings.of(settings)),
            Clock.systemUTC(),
            topics,
            env.registry(),
            account -> DashScopeClient.builder().baseUrl(account.baseUrl()).build());
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    poller.meters().add(meters);
    env.closeAfter(poller);
    poller.start();
    await()
        .atMost(WAIT)
        .until(() -> poller.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
    return meters;
  }

  /** Creates a task at the simulator and announces it SUBMITTED, as the submitter would. */
  private String submit(String requestId, String prompt) throws Exception {
    GenerationRequest request = GenerationRequestBuilder.i2vFlash().prompt(prompt).build();
    SubmitOutcome outcome = client.submit(KEY, request, requestId);
    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    String taskId = ((SubmitOutcome.Accepted) outcome).taskId();
    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    TaskStatus submitted =
        TaskStatuses.submitted(requestId, taskId)
            .setApiKeyRef(KEY.ref())
            .setEventTime(now)
            .setSubmittedAt(now)
            .build();
    env.send(topics.taskStatus(), requestId, submitted);
    return taskId;
  }

  @Test
  void announcesEachStateOnceAndPollsPolitely() throws Exception {
    SimpleMeterRegistry meters = startPoller(Map.of());
    byte[] unreadable = {0, 0, 0, 0, 42, 1, 2};
    env.sendBytes(topics.taskStatus().name(), null, "req-garbled", unreadable);
    String a = submit("req-a", "a cat surfs");
    String b = submit("req-b", "a dog surfs");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              status.refresh();
              assertThat(states(status, "req-a")).contains(TaskState.SUCCEEDED);
              assertThat(states(status, "req-b")).contains(TaskState.SUCCEEDED);
            });

    for (String r : List.of("req-a", "req-b")) {
      assertThat(states(status, r))
          .as(r)
          .containsExactly(
              TaskState.SUBMITTED, TaskState.PENDING, TaskState.RUNNING, TaskState.SUCCEEDED);
      assertThat(last(status, r).orElseThrow().getUsage()).isNotNull();
    }
    for (String taskId : List.of(a, b)) {
      List<SimulatorLedger.Poll> polls = sim.ledger().polls(taskId);
      Instant created = sim.ledger().task(taskId).orElseThrow().submitted();
      assertThat(Duration.between(created, polls.get(0).at()))
          .as("first poll at least 5 s after submission")
          .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
      assertThat(sim.ledger().minPollGap(taskId).orElseThrow())
          .as("no two polls of a task less than 3 s apart")
          .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }

    Tags account = Tags.of("service", "poller", "account", "default");
    long polls = sim.ledger().polls(a).size() + sim.ledger().polls(b).size();
    assertThat(
            meters
                .get("wan.poll.calls")
                .tags(account)
                .tags("kind", "query", "outcome", "ok")
                .counter()
                .count())
        .as("every query the simulator answered, counted ok")
        .isEqualTo(polls);
    assertThat(meters.find("wan.poll.calls").tags("outcome", "error").counters()).isEmpty();
    String model = last(status, "req-a").orElseThrow().getModel();
    assertThat(
            meters
                .get("wan.poll.task.ended")
                .tags(account)
                .tags("model", model, "state", "SUCCEEDED")
                .counter()
                .count())
        .isEqualTo(2.0);
    Timer delay = meters.get("wan.poll.detection.delay").tags(account).tags("model", model).timer();
    assertThat(delay.count())
        .as("one detection per task, the simulator reports end times")
        .isEqualTo(2);
    assertThat(delay.max(TimeUnit.SECONDS))
        .as("detected within a poll interval of the end")
        .isPositive()
        .isLessThan(30);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(meters.get("wan.poll.tasks.in.flight").tags(account).gauge().value())
                    .as("both tasks ended: none left in flight")
                    .isZero());
    assertThat(meters.get("wan.poll.budget.limit").tags(account).gauge().value())
        .as("the default account's query budget")
        .isPositive();
    assertThat(meters.get("wan.poll.budget.held").tags(account).gauge().value()).isNotNegative();

    // The unreadable record went to poller-dlq, in the transaction of its offset: once, whole.
    TopicLog<byte[]> deadLetters = env.log(topics.pollerDlq());
    await().atMost(WAIT).untilAsserted(() -> assertThat(deadLetters.refresh().raw()).hasSize(1));
    assertThat(deadLetters.valuesOf("req-garbled")).containsExactly(unreadable);
    assertThat(
            meters
                .get("wan.records.unreadable")
                .tags("topic", topics.taskStatus().name())
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void cancelsAPendingTaskAtTheTimeoutAndEndsItTimedOut() throws Exception {
    SimpleMeterRegistry meters = startPoller(Map.of("poller.timeout", "12s"));
    String taskId = submit("req-stuck", "[sim:pending-forever] a queue that never moves");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(states(status.refresh(), "req-stuck")).contains(TaskState.TIMED_OUT));

    assertThat(states(status, "req-stuck"))
        .containsExactly(TaskState.SUBMITTED, TaskState.PENDING, TaskState.TIMED_OUT);
    TaskStatus timedOut = last(status, "req-stuck").orElseThrow();
    assertThat(timedOut.getError().getCode()).isEqualTo("TIMEOUT");
    assertThat(timedOut.getError().getMessage()).contains("cancelled");
    assertThat(sim.ledger().cancels())
        .filteredOn(c -> c.taskId().equals(taskId))
        .singleElement()
        .satisfies(c -> assertThat(c.canceled()).isTrue());
    assertThat(sim.status(taskId)).contains(NativeStatus.CANCELED);
    assertThat(
            meters
                .get("wan.poll.calls")
                .tags("account", "default", "kind", "cancel", "outcome", "ok")
                .counter()
                .count())
        .isEqualTo(1.0);
    assertThat(meters.get("wan.poll.task.ended").tags("state", "TIMED_OUT").counter().count())
        .isEqualTo(1.0);
    assertThat(meters.find("wan.poll.detection.delay").timers())
        .as("a task cancelled by the timeout has no provider end time to measure from")
        .allSatisfy(t -> assertThat(t.count()).isZero());
  }
}
