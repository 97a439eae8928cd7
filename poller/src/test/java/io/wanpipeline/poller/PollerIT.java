package io.wanpipeline.poller;

import static io.wanpipeline.infra.testing.TopicLog.last;
import static io.wanpipeline.infra.testing.TopicLog.states;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.simulator.NativeStatus;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller as a Kafka Streams application on a real broker, polling the Wan simulator in real
 * time with short task timings (PENDING 9 s, RUNNING 12 s: the first poll at 5-6 s sees PENDING,
 * the second at 10-16 s sees RUNNING).
 */
@ExtendWith(KafkaBroker.class)
class PollerIT {
  private static final ApiKey KEY = new ApiKey("default#0", "sk-poller-it");
  private static final Duration WAIT = Duration.ofSeconds(90);

  private static WanSimulator sim;
  private static LocalSchemaRegistry registryServer;
  private static SchemaRegistryClient registry;
  private static String bootstrap;
  private static DashScopeClient client;

  @TempDir Path stateDir;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Topics topics;
  private String prefix;
  private KafkaProducer<byte[], byte[]> producer;
  private TopicLog<TaskStatus> status;

  @BeforeAll
  static void startStack(KafkaBroker.Info kafka) {
    bootstrap = kafka.bootstrapServers();
    sim =
        WanSimulator.start(
            SimulatorConfig.builder()
                .pendingTime(Duration.ofSeconds(9))
                .runningTime(Duration.ofSeconds(12))
                .build());
    client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    registryServer = new LocalSchemaRegistry(bootstrap, kafka.uniqueName("schemas"), 0);
    registry = SchemaRegistryClient.of(registryServer.url());
  }

  @AfterAll
  static void stopStack() {
    registryServer.close();
    sim.close();
  }

  @BeforeEach
  void topics(KafkaBroker.Info kafka) {
    prefix = kafka.uniqueName("poll") + ".";
    TopicNames names = TopicNames.withPrefix(prefix);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TopicProvisioner.ensure(admin, TopicSpec.pipeline(names, 2, (short) 1));
    }
    topics = new Topics(names, registry);
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    status = new TopicLog<>(bootstrap, topics.taskStatus());
    closeables.add(producer);
    closeables.add(status);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private void startPoller(KafkaBroker.Info kafka, Map<String, String> extra) {
    Map<String, String> settings = new HashMap<>();
    settings.put("kafka.bootstrap.servers", bootstrap);
    settings.put("kafka.commit.interval.ms", "100");
    settings.put("schema-registry.url", registryServer.url());
    settings.put("topics.prefix", prefix);
    settings.put("provider.default.api-key", KEY.secret());
    settings.put("provider.default.base-url", sim.baseUrl());
    settings.put("poller.application-id", kafka.uniqueName("poller"));
    settings.put("poller.state-dir", stateDir.toString());
    settings.putAll(extra);
    PollerService poller =
        new PollerService(
            PollerConfig.from(Settings.of(settings)),
            Clock.systemUTC(),
            topics,
            registry,
            account -> DashScopeClient.builder().baseUrl(account.baseUrl()).build());
    closeables.add(poller);
    poller.start();
    await()
        .atMost(WAIT)
        .until(() -> poller.state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
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
    producer
        .send(
            new ProducerRecord<>(
                topics.taskStatus().name(),
                requestId.getBytes(StandardCharsets.UTF_8),
                topics.taskStatus().valueBytes(submitted)))
        .get();
    return taskId;
  }

  @Test
  void announcesEachStateOnceAndPollsPolitely(KafkaBroker.Info kafka) throws Exception {
    startPoller(kafka, Map.of());
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
  }

  @Test
  void cancelsAPendingTaskAtTheTimeoutAndEndsItTimedOut(KafkaBroker.Info kafka) throws Exception {
    startPoller(kafka, Map.of("poller.timeout", "12s"));
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
  }
}
