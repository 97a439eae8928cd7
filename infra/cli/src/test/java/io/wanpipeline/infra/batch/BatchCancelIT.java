package io.wanpipeline.infra.batch;

import static io.wanpipeline.infra.batch.BatchTool.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.schemas.topics.Topic;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cancelling through the command line against a running local stack: a RUNNING request cannot be
 * cancelled and the tool says so; a PENDING one is cancelled at the provider; a batch that fills
 * its lane lets a LIVE request go first, and a cancel halfway through it ends every request still
 * queued without a submission.
 */
class BatchCancelIT {
  private static final String FLASH = "wan2.2-i2v-flash";
  private static final String PLUS = "wan2.2-i2v-plus";
  private static final int BATCH = 40;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aLiveRequestGoesFirstAndACancelHalfwayEndsEveryQueuedRequestUnsubmitted() throws Exception {
    // The flash lane runs 3 tasks at a time, each done at its first poll (5 s after submission).
    try (LocalStack stack =
        BatchTool.flashLane(
            dir.resolve("stack"), 3, 10, Duration.ofMillis(500), Duration.ofMillis(2500))) {
      WanSimulator sim = stack.simulator().orElseThrow();
      URI statusUrl = stack.services().status().httpUrl();
      StatusViewClient view = new StatusViewClient(statusUrl);
      Path config = BatchTool.config(stack, dir);
      List<String> common =
          List.of("--config", config.toString(), "--status-url", statusUrl.toString());

      // A RUNNING task cannot be cancelled: the tool says so and sends nothing.
      submit(
          common, "it-run", BatchTool.line("x", FLASH, "[sim:never-finish] a long take", "480P"));
      awaitState(view, "it-run.x", "RUNNING");
      BatchTool.Run running = run(BatchTool.with(List.of("cancel", "it-run.x"), args(common)));
      assertThat(running.code()).as(running.err()).isEqualTo(1);
      assertThat(running.out())
          .contains("it-run.x  RUNNING: the provider cannot cancel a running task");

      // A PENDING task is cancelled at the provider, not charged.
      submit(common, "it-pend", BatchTool.line("x", PLUS, "[sim:pending-forever] waits", "480P"));
      awaitState(view, "it-pend.x", "PENDING");
      BatchTool.Run pending =
          run(
              BatchTool.with(
                  List.of("cancel", "it-pend.x", "--reason", "not needed", "--wait", "60s"),
                  args(common)));
      assertThat(pending.code()).as(pending.out() + pending.err()).isZero();
      assertThat(pending.out()).contains("it-pend.x  ended CANCELED");
      assertThat(sim.ledger().cancels()).hasSize(1).allMatch(SimulatorLedger.Cancel::canceled);
      JsonNode canceled = view.request("it-pend.x").orElseThrow();
      assertThat(canceled.path("error").path("code").asText()).isEqualTo("CANCELED_AT_PROVIDER");
      assertThat(canceled.path("error").path("message").asText()).contains("not needed");

      // A batch fills the flash lane (the never-finishing task holds one of its 3 slots)...
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < BATCH; i++) {
        lines.add(BatchTool.line("l" + i, FLASH, "a cat, take " + i, "480P"));
      }
      submit(common, "it-c", lines.toArray(String[]::new));
      await().atMost(Duration.ofMinutes(1)).until(() -> batchSubmissions(sim).size() >= 4);

      // ...and a LIVE request produced now overtakes the batch's waiting requests.
      Instant liveQueued = Instant.now();
      produceLive(stack, "live-1");
      SimulatorLedger.Submission live =
          await()
              .atMost(Duration.ofMinutes(1))
              .until(() -> submission(sim, "live-1"), Optional::isPresent)
              .orElseThrow();
      long batchBetween =
          batchSubmissions(sim).stream()
              .filter(s -> s.at().isAfter(liveQueued) && s.at().isBefore(live.at()))
              .count();
      assertThat(batchBetween)
          .as(
              "batch requests submitted after the LIVE one was produced and before it: at most"
                  + " the 2 free slots, already being filled when it arrived")
          .isLessThanOrEqualTo(2);
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> batchSubmissions(sim).stream().anyMatch(s -> s.at().isAfter(live.at())));

      // A cancel halfway: what is queued is never submitted.
      Instant cancelSent = Instant.now();
      BatchTool.Run cancel =
          run(
              BatchTool.with(
                  List.of("batch", "cancel", "it-c", "--reason", "enough"), args(common)));
      assertThat(cancel.code()).as(cancel.err()).isZero();
      assertThat(cancel.out()).contains("cancel of batch it-c sent to request-commands");
      await()
          .atMost(Duration.ofMinutes(2))
          .ignoreExceptionsInstanceOf(IOException.class)
          .untilAsserted(
              () ->
                  assertThat(
                          view.batchCounts("it-c").entrySet().stream()
                              .filter(e -> StatusViewClient.TERMINAL.contains(e.getKey()))
                              .mapToLong(Map.Entry::getValue)
                              .sum())
                      .isEqualTo(BATCH));
      assertThat(batchSubmissions(sim).stream().filter(s -> s.at().isAfter(cancelSent)).count())
          .as("one create call per lane may be under way when the command is read, no more")
          .isLessThanOrEqualTo(1);

      Path results = dir.resolve("results.jsonl");
      BatchTool.Run written =
          run(
              "batch",
              "results",
              "it-c",
              "--out",
              results.toString(),
              "--status-url",
              statusUrl.toString());
      assertThat(written.code()).as(written.err()).isZero();
      List<JsonNode> rows = new ArrayList<>();
      for (String text : Files.readAllLines(results)) {
        rows.add(JSON.readTree(text));
      }
      assertThat(rows).hasSize(BATCH);
      List<JsonNode> unsubmitted =
          rows.stream()
              .filter(r -> r.path("error_code").asText().equals("CANCELED_BEFORE_SUBMISSION"))
              .toList();
      assertThat(unsubmitted).as("the cancel came halfway").isNotEmpty().hasSizeLessThan(BATCH - 4);
      for (JsonNode r : unsubmitted) {
        assertThat(r.path("state").asText()).isEqualTo("CANCELED");
        assertThat(r.path("error_message").asText()).contains("enough", "nothing is charged");
        assertThat(sim.ledger().submissionCount(r.path("request_id").asText()))
            .as("%s never submitted", r.path("request_id").asText())
            .isZero();
      }
      assertThat(rows)
          .as("every other request was submitted before the cancel and ended")
          .filteredOn(r -> !r.path("error_code").asText().equals("CANCELED_BEFORE_SUBMISSION"))
          .allMatch(r -> List.of("ARCHIVED", "CANCELED").contains(r.path("state").asText()))
          .allMatch(r -> sim.ledger().submissionCount(r.path("request_id").asText()) == 1);
    }
  }

  private static String[] args(List<String> common) {
    return common.toArray(String[]::new);
  }

  /** Writes {@code lines} as batch {@code batchId} and produces them without following. */
  private void submit(List<String> common, String batchId, String... lines) throws Exception {
    Path file = dir.resolve(batchId + ".jsonl");
    Files.write(file, List.of(lines));
    BatchTool.Run submitted =
        run(
            BatchTool.with(
                List.of(
                    "batch",
                    "submit",
                    file.toString(),
                    "--batch-id",
                    batchId,
                    "--account",
                    "backfill",
                    "--yes",
                    "--no-wait"),
                args(common)));
    assertThat(submitted.code()).as(submitted.err()).isZero();
  }

  private static void awaitState(StatusViewClient view, String requestId, String state) {
    await()
        .atMost(Duration.ofMinutes(1))
        // 503 while the view restores or rebalances: asked again.
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(
            () ->
                view.request(requestId)
                    .map(r -> r.path("state").asText().equals(state))
                    .orElse(false));
  }

  private static List<SimulatorLedger.Submission> batchSubmissions(WanSimulator sim) {
    return sim.ledger().submissions().stream()
        .filter(s -> s.taskId() != null && s.pipelineRequestId().startsWith("it-c."))
        .toList();
  }

  private static Optional<SimulatorLedger.Submission> submission(WanSimulator sim, String id) {
    return sim.ledger().submissions().stream()
        .filter(s -> s.taskId() != null && id.equals(s.pipelineRequestId()))
        .findFirst();
  }

  private static void produceLive(LocalStack stack, String requestId) throws Exception {
    VideoRequest request =
        VideoRequests.i2vFlash(requestId)
            .accountId("live")
            .priority(Priority.LIVE)
            .requestedAt(Instant.now())
            .build();
    Topic<String, VideoRequest> topic = stack.topics().videoRequests();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", stack.bootstrapServers(), "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  topic.name(), topic.keyBytes(requestId), topic.valueBytes(request)))
          .get();
    }
  }
}
