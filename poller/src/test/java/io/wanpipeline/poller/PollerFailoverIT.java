package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two poller instances share the tasks of a two-partition {@code task-status}: one in a child JVM,
 * killed with SIGKILL, the other in this JVM. The survivor takes the dead instance's partition over
 * (session timeout 6 s, standby store) and polls its tasks within two poll intervals (20 s).
 */
class PollerFailoverIT {
  private static final ApiKey KEY = new ApiKey("default#0", PipelineEnv.API_KEY);
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final Duration TWO_INTERVALS = Duration.ofSeconds(20);

  // Tasks stay in flight for the whole test: polled every 5-10 s.
  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(
              SimulatorConfig.builder()
                  .pendingTime(Duration.ofMinutes(3))
                  .runningTime(Duration.ofMinutes(3))
                  .concurrencyCap("wan2.2-i2v-flash", 100))
          .partitions(2)
          .named("failover");

  @TempDir Path dir;

  @Test
  void theSurvivorPollsAKilledInstancesTasksWithinTwoIntervals(PipelineEnv env) throws Exception {
    WanSimulator sim = env.simulator();
    Topics topics = env.topics();
    Map<String, String> settings = env.settings(PipelineEnv.Service.POLLER);
    settings.put("kafka.commit.interval.ms", "100");

    // The victim: PollerMain in a child JVM.
    Map<String, String> victimSettings = new HashMap<>(settings);
    victimSettings.put("poller.state-dir", dir.resolve("victim-state").toString());
    Path properties = dir.resolve("victim.properties");
    Properties p = new Properties();
    p.putAll(victimSettings);
    p.putIfAbsent("management.port", "0"); // a free port: tests run side by side
    try (var out = Files.newBufferedWriter(properties, StandardCharsets.UTF_8)) {
      p.store(out, "poller failover IT victim");
    }
    ChildJvm victim =
        ChildJvm.start(
            new ChildJvm.Spec(
                "poller-victim",
                System.getProperty("java.class.path"),
                List.of("-Xmx256m"),
                PollerMain.class.getName(),
                List.of(properties.toString()),
                dir,
                dir.resolve("victim.log"),
                Map.of()));
    env.closeAfter(victim);

    // The survivor, in this JVM.
    Map<String, String> survivorSettings = new HashMap<>(settings);
    survivorSettings.put("poller.state-dir", dir.resolve("survivor-state").toString());
    PollerService survivor =
        new PollerService(
            PollerConfig.from(Settings.of(survivorSettings)),
            Clock.systemUTC(),
            topics,
            env.registry(),
            account -> DashScopeClient.builder().baseUrl(account.baseUrl()).build());
    env.closeAfter(survivor);
    survivor.start();

    // Each instance owns one partition: the victim is running and has tasks of its own.
    await()
        .atMost(WAIT)
        .until(
            () ->
                survivor.state() == KafkaStreams.State.RUNNING
                    && survivor.activePartitions().size() == 1);
    Set<Integer> survivorOwn = survivor.activePartitions();

    DashScopeClient client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    List<String> taskIds = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      taskIds.add(submit(client, env, "req-failover-" + i));
    }
    // Every task is being polled by one instance or the other.
    await()
        .atMost(WAIT)
        .until(() -> taskIds.stream().allMatch(t -> sim.ledger().polls(t).size() >= 2));
    assertThat(survivor.activePartitions()).as("no rebalance meanwhile").isEqualTo(survivorOwn);

    Instant killedAt = Instant.now();
    victim.kill();

    await().atMost(WAIT).until(() -> survivor.activePartitions().size() == 2);
    await()
        .atMost(WAIT)
        .until(
            () ->
                taskIds.stream()
                    .allMatch(
                        t ->
                            sim.ledger().polls(t).stream()
                                .anyMatch(q -> q.at().isAfter(killedAt))));
    for (String taskId : taskIds) {
      Instant next =
          sim.ledger().polls(taskId).stream()
              .map(SimulatorLedger.Poll::at)
              .filter(at -> at.isAfter(killedAt))
              .min(Instant::compareTo)
              .orElseThrow();
      assertThat(Duration.between(killedAt, next))
          .as("first poll of task %s after the kill", taskId)
          .isLessThanOrEqualTo(TWO_INTERVALS);
    }
    assertThat(sim.ledger().minPollGap().orElseThrow())
        .as("no task polled twice within 3 s, the takeover included")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertThat(sim.ledger().maxPollsPerSecond("default")).isLessThanOrEqualTo(20);
  }

  /** Creates a task at the simulator and announces it SUBMITTED, as the submitter would. */
  private static String submit(DashScopeClient client, PipelineEnv env, String requestId)
      throws Exception {
    GenerationRequest request = GenerationRequestBuilder.i2vFlash().prompt("a cat").build();
    SubmitOutcome outcome = client.submit(KEY, request, requestId);
    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    String taskId = ((SubmitOutcome.Accepted) outcome).taskId();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    TaskStatus submitted =
        TaskStatuses.submitted(requestId, taskId)
            .setApiKeyRef(KEY.ref())
            .setEventTime(now)
            .setSubmittedAt(now)
            .build();
    env.send(env.topics().taskStatus(), requestId, submitted);
    return taskId;
  }
}
