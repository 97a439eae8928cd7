package io.wanpipeline.infra.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
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
import io.wanpipeline.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  @TempDir Path dataDir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dashscope", "crazyrouter", "apiyi", "mulerouter", "vtrix"})
  void requestsEndArchivedBilledRejectedOrFailedThroughDialect(
      String dialect, KafkaBroker.Info kafka, S3Server.Info s3) throws Exception {
    String prefix = kafka.uniqueName("dialect-" + dialect) + ".";
    SimulatorConfig simulator =
        SimulatorConfig.builder()
            .apiKey(LocalStack.SIMULATOR_API_KEY, "default")
            .pendingTime(Duration.ofMillis(300))
            .runningTime(Duration.ofSeconds(2))
            .retryAfter(Duration.ofSeconds(1))
            .build();
    Map<String, String> overrides = new HashMap<>();
    overrides.put("provider.default.dialect", dialect);
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
                    simulator,
                    Settings.of(Map.of()),
                    overrides,
                    Clock.systemUTC()));
        PipelineWatcher watcher = new PipelineWatcher(kafka.bootstrapServers(), stack.topics())) {
      WanSimulator sim = stack.simulator().orElseThrow();
      sim.setFaults(Route.CREATE, Faults.NONE.withThrottleRate(0.5));
      VideoRequest small = request(dialect + "-480", "wan2.2-i2v-flash", "a cat", "480P");
      VideoRequest large = request(dialect + "-720", "wan2.2-i2v-flash", "a dog", "720P");
      VideoRequest invalid = request(dialect + "-1080", "wan2.2-i2v-flash", "no 1080P", "1080P");
      VideoRequest failing =
          request(dialect + "-fail", "wan2.2-i2v-flash", "[sim:fail=InternalError.Algo]", "480P");
      List<VideoRequest> all = List.of(small, large, invalid, failing);
      List<String> ids = all.stream().map(VideoRequest::getRequestId).toList();

      send(stack, all);

      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> assertThat(watcher.allTerminal(ids)).isTrue());
      for (VideoRequest ok : List.of(small, large)) {
        TaskStatus done = watcher.latest(ok.getRequestId());
        assertThat(done.getState()).as(ok.getRequestId()).isEqualTo(TaskState.ARCHIVED);
        assertThat(done.getArchive().getSha256())
            .isEqualTo(sim.videoSha256(simulatorTaskId(done.getTaskId())).orElseThrow());
      }
      assertThat(watcher.latest(invalid.getRequestId()).getState()).isEqualTo(TaskState.REJECTED);
      assertThat(watcher.latest(invalid.getRequestId()).getError().getField())
          .isEqualTo("parameters.resolution");
      TaskStatus failed = watcher.latest(failing.getRequestId());
      assertThat(failed.getState()).isEqualTo(TaskState.FAILED);
      assertThat(failed.getError().getCode()).isEqualTo("InternalError.Algo");
      await()
          .atMost(Duration.ofMinutes(1))
          .untilAsserted(
              () ->
                  assertThat(watcher.charges().stream().map(Charge::getRequestId))
                      .containsExactlyInAnyOrder(small.getRequestId(), large.getRequestId()));
      for (Charge charge : watcher.charges()) {
        VideoRequest billed = charge.getRequestId().equals(small.getRequestId()) ? small : large;
        assertThat(charge.getTier())
            .as(charge.getRequestId())
            .isEqualTo(billed.getParameters().getResolution());
        assertThat(charge.getBillableMillis())
            .as(
                "%s: wan2.2-i2v-flash makes 5 s, reported in usage or, where the dialect reports"
                    + " none (apiyi, mulerouter), the requested duration",
                charge.getRequestId())
            .isEqualTo(5_000);
        assertThat(charge.getAmountMicros())
            .as("5 s x CNY 0.10/s (480P) or 0.20/s (720P), wan-prices-v1.csv")
            .isEqualTo(billed == small ? 500_000 : 1_000_000);
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

      SimulatorLedger ledger = sim.ledger();
      assertThat(ledger.maxTasksPerRequestId()).as("one task per request_id").isEqualTo(1);
      assertThat(ledger.submissions().stream().filter(s -> s.httpStatus() == 429))
          .as("the simulator throttled some submissions, which the submitter retried")
          .isNotEmpty();
      assertThat(ledger.minPollGap().orElseThrow()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }
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

  private static VideoRequest request(String id, String model, String prompt, String resolution) {
    return VideoRequest.newBuilder()
        .setRequestId("dialect-" + id)
        .setAccountId("acme")
        .setModel(model)
        .setInput(VideoInput.newBuilder().setPrompt(prompt).setImgUrl(IMAGE).build())
        .setParameters(VideoParameters.newBuilder().setResolution(resolution).build())
        .build();
  }
}
