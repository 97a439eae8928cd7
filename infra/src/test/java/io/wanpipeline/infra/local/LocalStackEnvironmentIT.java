package io.wanpipeline.infra.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.demo.PipelineWatcher;
import io.wanpipeline.infra.simulator.SimulatorConfig;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration precedence of the local stack in simulator mode (docs/configuration.md 1.2 and
 * 7.1): a {@code WAN_PIPELINE_*} variable wins over the value the stack writes, so a provider key
 * and an S3 secret from the environment are the ones the services use.
 */
@ExtendWith({KafkaBroker.class, S3Server.class})
class LocalStackEnvironmentIT {
  private static final String ENV_PROVIDER_KEY = "sk-from-the-environment-4f1c";

  @TempDir Path dataDir;

  @Test
  void environmentVariablesWinOverTheStacksOwnValuesInSimulatorMode(
      KafkaBroker.Info kafka, S3Server.Info s3) throws Exception {
    String prefix = kafka.uniqueName("env") + ".";
    // The simulator knows only the environment's key, the S3 server only the environment's
    // credentials: the stack's own values (sk-local-simulator and the keys below) would fail.
    SimulatorConfig simulator =
        SimulatorConfig.builder()
            .apiKey(ENV_PROVIDER_KEY, "default")
            .pendingTime(Duration.ofMillis(300))
            .runningTime(Duration.ofSeconds(2))
            .build();
    Map<String, String> env =
        Map.of(
            "WAN_PIPELINE_PROVIDER_DEFAULT_API_KEY", ENV_PROVIDER_KEY,
            "WAN_PIPELINE_S3_ACCESS_KEY_ID", s3.accessKey(),
            "WAN_PIPELINE_S3_SECRET_ACCESS_KEY", s3.secretKey());
    Map<String, String> overrides = new HashMap<>();
    overrides.put("archiver.bucket", s3.uniqueBucket("env"));
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
                    "stack-access-key",
                    "stack-secret-key",
                    prefix,
                    3,
                    simulator,
                    Settings.of(Map.of(), env),
                    overrides,
                    Clock.systemUTC()));
        PipelineWatcher watcher = new PipelineWatcher(kafka.bootstrapServers(), stack.topics())) {
      WanSimulator sim = stack.simulator().orElseThrow();
      assertThat(stack.settings().secret("provider.default.api-key")).contains(ENV_PROVIDER_KEY);
      assertThat(stack.settings().secret("s3.secret-access-key")).contains(s3.secretKey());
      assertThat(stack.settings().string("provider.default.base-url"))
          .as("keys the environment does not set keep the stack's values")
          .isEqualTo(sim.baseUrl());

      VideoRequest request =
          VideoRequest.newBuilder()
              .setRequestId("env-precedence-1")
              .setAccountId("acme")
              .setModel("wan2.2-i2v-flash")
              .setInput(
                  VideoInput.newBuilder()
                      .setPrompt("a cat")
                      .setImgUrl("https://example.com/env/frame.png")
                      .build())
              .setParameters(VideoParameters.newBuilder().setResolution("480P").build())
              .build();
      send(stack, List.of(request));

      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> assertThat(watcher.allTerminal(List.of(request.getRequestId()))).isTrue());
      TaskStatus end = watcher.latest(request.getRequestId());
      assertThat(end.getState())
          .as(
              "submitted and polled with the environment's key, archived with its S3 secret: %s",
              end.getError())
          .isEqualTo(TaskState.ARCHIVED);
      assertThat(sim.ledger().submissionCount(request.getRequestId())).isEqualTo(1);
    }
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
}
