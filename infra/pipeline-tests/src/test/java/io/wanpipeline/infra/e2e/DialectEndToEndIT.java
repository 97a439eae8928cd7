package io.wanpipeline.infra.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.demo.PipelineWatcher;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.S3Server;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline against each provider dialect the simulator speaks: request -> ARCHIVED -> billed,
 * an invalid request REJECTED before it costs anything, an execution failure FAILED and not billed,
 * and throttled submissions retried without a second submission.
 */
@ExtendWith({KafkaBroker.class, S3Server.class})
class DialectEndToEndIT {
  private static final String IMAGE = "https://example.com/dialects/frame.png";

  /** Gateways whose task answers carry no usage; billing uses the requested duration. */
  private static final java.util.Set<String> NO_USAGE = java.util.Set.of("apiyi", "mulerouter");

  private static final List<String> DIALECTS =
      List.of("dashscope", "crazyrouter", "apiyi", "mulerouter", "vtrix");

  @TempDir Path dataDir;

  /**
   * One stack with one provider account per dialect, all on the one simulator (each with its own
   * key, so each has its own simulator account and caps), so that the five dialects run at once
   * rather than one stack after another.
   */
  @Test
  void requestsEndArchivedBilledRejectedOrFailedThroughEveryDialect(
      KafkaBroker.Info kafka, S3Server.Info s3) throws Exception {
    String prefix = kafka.uniqueName("dialects") + ".";
    SimulatorConfig.Builder config =
        SimulatorConfig.builder()
            .pendingTime(Duration.ofMillis(300))
            .runningTime(Duration.ofSeconds(2))
            .retryAfter(Duration.ofSeconds(1))
            .httpsLinks(true);
    DIALECTS.forEach(d -> config.apiKey(key(d), d));
    try (WanSimulator sim = WanSimulator.start(config.build())) {
      Map<String, String> overrides = new HashMap<>(sim.archiverLinkSettings());
      overrides.put("provider.accounts", String.join(",", DIALECTS));
      for (String d : DIALECTS) {
        overrides.put("provider." + d + ".dialect", d);
        overrides.put("provider." + d + ".base-url", sim.baseUrl());
        overrides.put("provider." + d + ".api-key", key(d));
      }
      overrides.put("provider.default-account", "dashscope");
      overrides.put("archiver.bucket", s3.uniqueBucket("dialect"));
      overrides.put("submitter.group-id", prefix + "submitter");
      overrides.put("archiver.group-id", prefix + "archiver");
      overrides.put("poller.application-id", prefix + "poller");
      overrides.put("billing.application-id", prefix + "billing");
      try (LocalStack stack =
              LocalStack.start(
                  new LocalStack.Options(
                      dataDir,
                      kafka.bootstrapServers(),
                      s3.endpoint(),
                      s3.accessKey(),
                      s3.secretKey(),
                      prefix,
                      3,
                      SimulatorConfig.builder().build(),
                      Settings.of(Map.of()),
                      overrides,
                      Clock.systemUTC()));
          PipelineWatcher watcher = new PipelineWatcher(kafka.bootstrapServers(), stack.topics())) {
        sim.setFaults(Route.CREATE, Faults.NONE.withThrottleRate(0.5));
        List<VideoRequest> all = new ArrayList<>();
        for (String d : DIALECTS) {
          all.add(request(d, d + "-480", "a cat", "480P"));
          all.add(request(d, d + "-720", "a dog", "720P"));
          all.add(request(d, d + "-1080", "no 1080P", "1080P"));
          all.add(request(d, d + "-fail", "[sim:fail=InternalError.Algo]", "480P"));
        }
        List<String> ids = all.stream().map(VideoRequest::getRequestId).toList();

        send(stack, all);

        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .untilAsserted(() -> assertThat(watcher.allTerminal(ids)).isTrue());
        await()
            .atMost(Duration.ofMinutes(1))
            .untilAsserted(
                () ->
                    assertThat(watcher.charges().stream().map(Charge::getRequestId))
                        .containsExactlyInAnyOrderElementsOf(
                            DIALECTS.stream()
                                .flatMap(d -> Stream.of(id(d + "-480"), id(d + "-720")))
                                .toList()));
        for (String d : DIALECTS) {
          checkDialect(d, watcher, sim);
        }

        SimulatorLedger ledger = sim.ledger();
        assertThat(ledger.maxTasksPerRequestId()).as("one task per request_id").isEqualTo(1);
        assertThat(ledger.submissions().stream().filter(x -> x.httpStatus() == 429))
            .as("the simulator throttled some submissions, which the submitter retried")
            .isNotEmpty();
        assertThat(ledger.minPollGap().orElseThrow()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
      }
    }
  }

  private static void checkDialect(String dialect, PipelineWatcher watcher, WanSimulator sim) {
    String small = id(dialect + "-480");
    String large = id(dialect + "-720");
    for (String ok : List.of(small, large)) {
      TaskStatus done = watcher.latest(ok);
      assertThat(done.getState()).as(ok).isEqualTo(TaskState.ARCHIVED);
      assertThat(done.getProviderAccount()).as(ok).isEqualTo(dialect);
      assertThat(done.getArchive().getSha256())
          .as(ok)
          .isEqualTo(sim.videoSha256(simulatorTaskId(done.getTaskId())).orElseThrow());
    }
    TaskStatus rejected = watcher.latest(id(dialect + "-1080"));
    assertThat(rejected.getState()).as(dialect).isEqualTo(TaskState.REJECTED);
    assertThat(rejected.getError().getField()).as(dialect).isEqualTo("parameters.resolution");
    TaskStatus failed = watcher.latest(id(dialect + "-fail"));
    assertThat(failed.getState()).as(dialect).isEqualTo(TaskState.FAILED);
    assertThat(failed.getError().getCode()).as(dialect).isEqualTo("InternalError.Algo");
    for (Charge charge : watcher.charges()) {
      if (!charge.getRequestId().equals(small) && !charge.getRequestId().equals(large)) {
        continue;
      }
      boolean isSmall = charge.getRequestId().equals(small);
      assertThat(charge.getTier()).as(charge.getRequestId()).isEqualTo(isSmall ? "480P" : "720P");
      assertThat(charge.getBillableMillis())
          .as(
              "%s: wan2.2-i2v-flash makes 5 s, reported in usage or, where the dialect reports"
                  + " none (apiyi, mulerouter), the requested duration",
              charge.getRequestId())
          .isEqualTo(5_000);
      assertThat(charge.getAmountMicros())
          .as("5 s x CNY 0.10/s (480P) or 0.20/s (720P), wan-prices-v1.csv")
          .isEqualTo(isSmall ? 500_000 : 1_000_000);
      TaskStatus succeeded =
          watcher.history(charge.getRequestId()).stream()
              .filter(e -> e.getState() == TaskState.SUCCEEDED)
              .findFirst()
              .orElseThrow();
      assertThat(succeeded.getRequestedDuration()).isEqualTo(5);
      if (NO_USAGE.contains(dialect)) {
        assertThat(succeeded.getUsage())
            .as("%s's task answer has no usage: billed tier x requested duration", dialect)
            .isNull();
      } else {
        assertThat(succeeded.getUsage().getVideoDurationMillis()).isEqualTo(5_000);
      }
    }
  }

  private static String key(String dialect) {
    return "sk-dialect-" + dialect;
  }

  private static String id(String suffix) {
    return "dialect-" + suffix;
  }

  /** The simulator's id of a task: MuleRouter's client hands out {@code <model>/<id>}. */
  private static String simulatorTaskId(String taskId) {
    return taskId.substring(taskId.lastIndexOf('/') + 1);
  }

  private static void send(LocalStack stack, List<VideoRequest> requests) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      var topic = stack.topics().videoRequests();
      for (VideoRequest r : requests) {
        producer.send(
            new ProducerRecord<>(
                topic.name(), topic.keyBytes(r.getRequestId()), topic.valueBytes(r)));
      }
      producer.flush();
    }
  }

  private static VideoRequest request(
      String providerAccount, String id, String prompt, String resolution) {
    return VideoRequests.i2vFlash(id(id))
        .providerAccount(providerAccount)
        .prompt(prompt)
        .imgUrl(IMAGE)
        .resolution(resolution)
        .build();
  }
}
