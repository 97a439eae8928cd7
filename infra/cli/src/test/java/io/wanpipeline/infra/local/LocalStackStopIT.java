package io.wanpipeline.infra.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.cli.WanPipelineCli;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12, finding 6: {@code wan-pipeline local}, run as its own JVM exactly as the script runs
 * it, is stopped with SIGTERM while requests are in flight. The services must stop before the
 * broker (billing, the last service closed, has logged its stop when the broker process exits), the
 * whole stack must be gone within {@link LocalStack#STOP_BOUND}, and the log must show no
 * transaction or commit timeout and no corrupted Streams task.
 */
class LocalStackStopIT {
  private static final Logger LOG = LoggerFactory.getLogger(LocalStackStopIT.class);
  private static final String READY = "the pipeline is running";
  private static final String LAST_SERVICE_STOPPED = "Billing stopped";
  private static final List<String> SYMPTOMS =
      List.of("Timeout expired", "TimeoutException", "corrupted", "Corrupted");

  @Test
  void sigtermStopsTheServicesBeforeTheBrokerAndTheWholeStackWithinTheBound() throws Exception {
    Path dir = Path.of("target", "local-stop", UUID.randomUUID().toString()).toAbsolutePath();
    Files.createDirectories(dir);
    Path log = dir.resolve("local-stack.log");
    ChildJvm stack =
        ChildJvm.start(
            new ChildJvm.Spec(
                "local-stack",
                System.getProperty("java.class.path"),
                List.of(
                    "-Xmx768m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-Djava.awt.headless=true"),
                WanPipelineCli.class.getName(),
                List.of("local", "--data-dir", dir.resolve("data").toString()),
                dir,
                log,
                Map.of()));
    try {
      stack.awaitReady(Duration.ofMinutes(3), () -> read(log).contains(READY));
      String bootstrap = field(read(log), "kafka");
      Topics topics =
          new Topics(
              TopicNames.withPrefix(""),
              SchemaRegistryClient.of(field(read(log), "schema registry")));
      List<String> ids = send(bootstrap, topics, 12);
      try (TopicLog<TaskStatus> status = new TopicLog<>(bootstrap, topics.taskStatus())) {
        await("requests in flight")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    ids.stream()
                        .anyMatch(
                            id ->
                                TopicLog.states(status.refresh(), id)
                                    .contains(TaskState.SUBMITTED)));
      }
      ProcessHandle broker =
          descendant(stack.pid(), "kafka.Kafka")
              .orElseThrow(() -> new AssertionError("no broker process under the stack"));
      CompletableFuture<Boolean> servicesStoppedAtBrokerExit =
          broker.onExit().thenApply(b -> read(log).contains(LAST_SERVICE_STOPPED));
      int beforeStop = read(log).length();

      long start = System.nanoTime();
      // SIGTERM; the child is killed only if it outlives the bound by far.
      stack.stop(LocalStack.STOP_BOUND.multipliedBy(3));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      LOG.info("the local stack stopped {} ms after SIGTERM", tookMillis);

      assertThat(Duration.ofMillis(tookMillis))
          .as("time from SIGTERM to the stack's exit; log %s", log)
          .isLessThan(LocalStack.STOP_BOUND);
      assertThat(broker.isAlive()).as("broker alive after the stack's exit").isFalse();
      assertThat(servicesStoppedAtBrokerExit.get(10, TimeUnit.SECONDS))
          .as("the services had stopped when the broker exited; log %s", log)
          .isTrue();
      String stopping = read(log).substring(beforeStop);
      for (String symptom : SYMPTOMS) {
        assertThat(stopping).as("the stop's log, %s", log).doesNotContain(symptom);
      }
    } finally {
      if (stack.isAlive()) {
        stack.kill();
      }
    }
  }

  private static Optional<ProcessHandle> descendant(long pid, String mainClass) {
    return ProcessHandle.of(pid).stream()
        .flatMap(ProcessHandle::descendants)
        .filter(
            p -> p.info().arguments().map(args -> List.of(args).contains(mainClass)).orElse(false))
        .findFirst();
  }

  /** The value printed after {@code name} in the stack's start banner. */
  private static String field(String log, String name) {
    Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(name) + " +(\\S+)").matcher(log);
    assertThat(m.find()).as("%s in the start banner", name).isTrue();
    return m.group(1);
  }

  private static List<String> send(String bootstrap, Topics topics, int count) throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    List<String> ids = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      var topic = topics.videoRequests();
      for (int i = 0; i < count; i++) {
        String id = "stop-" + i;
        VideoRequest request = VideoRequests.t2v(id).prompt("harbour at night " + i).build();
        producer.send(
            new ProducerRecord<>(topic.name(), topic.keyBytes(id), topic.valueBytes(request)));
        ids.add(id);
      }
      producer.flush();
    }
    return ids;
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
