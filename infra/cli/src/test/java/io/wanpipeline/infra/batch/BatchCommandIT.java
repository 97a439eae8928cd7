package io.wanpipeline.infra.batch;

import static io.wanpipeline.infra.batch.BatchTool.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.TopicLog;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch tool against a running local stack (the real services, broker, registry and simulator):
 * a file of 105 lines, 3 of which the submitter would reject, is refused whole; with {@code
 * --skip-invalid} its 102 good lines are produced as BATCH by a command line that is killed
 * halfway, then by a second run that continues where the first stopped and follows the batch to its
 * end. No request is submitted twice, and the results equal {@code task-status} and {@code
 * billing-charges}.
 */
class BatchCommandIT {
  // The archiver queries each task for its link within the account's reserve of 2 queries a
  // second, so the batch drains at about 2 requests a second: 105 lines take about a minute.
  private static final int LINES = 105;
  private static final int INVALID = 3;
  private static final int GOOD = LINES - INVALID;
  private static final String FLASH = "wan2.2-i2v-flash";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aBatchKilledHalfwayAndRunAgainSubmitsEveryRequestOnceAndItsResultsMatchTheTopics()
      throws Exception {
    // The flash lane takes 40 tasks at a time, 20 a second, each done in about 2 s.
    try (LocalStack stack =
        BatchTool.flashLane(
            dir.resolve("stack"), 40, 20, Duration.ofMillis(500), Duration.ofMillis(1500))) {
      WanSimulator sim = stack.simulator().orElseThrow();
      URI statusUrl = stack.services().status().httpUrl();
      Path config = BatchTool.config(stack, dir);
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < LINES; i++) {
        String prompt = i == 5 ? "a cat [sim:fail=DataInspectionFailed]" : "a cat, take " + i;
        // Every 35th line asks for a tier the model does not have: the submitter would reject it.
        String tier = i % 35 == 3 ? "1080P" : "480P";
        lines.add(BatchTool.line("line-" + i, FLASH, prompt, tier));
      }
      Path file = dir.resolve("backfill.jsonl");
      Files.write(file, lines);
      List<String> submit =
          List.of(
              "batch",
              "submit",
              file.toString(),
              "--config",
              config.toString(),
              "--yes",
              "--account",
              "backfill",
              "--batch-id",
              "it-1",
              "--status-url",
              statusUrl.toString());

      BatchTool.Run refused = run(submit.toArray(String[]::new));
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err())
          .contains("line 4, parameters.resolution: wan2.2-i2v-flash supports 480P and 720P")
          .contains(INVALID + " of " + LINES + " lines cannot be submitted; nothing was produced");
      assertThat(sim.ledger().submissions()).as("nothing of a refused batch").isEmpty();

      // The first run produces 15 requests a second and is killed once about half are produced.
      List<String> first = new ArrayList<>(submit);
      first.addAll(List.of("--skip-invalid", "--rate", "15"));
      Process cli = BatchTool.process(first, dir.resolve("first-run.log"));
      try (TopicLog<VideoRequest> produced =
          new TopicLog<>(stack.bootstrapServers(), stack.topics().videoRequests())) {
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> produced.refresh().values().size() >= GOOD / 2);
        cli.destroyForcibly().waitFor();
        int atKill = produced.refreshToEnd().values().size();
        assertThat(atKill).as("killed halfway").isBetween(GOOD / 2, GOOD - 20);
      }

      BatchTool.Run second = run(BatchTool.with(submit, "--skip-invalid", "--timeout", "6m"));
      assertThat(second.code()).as(second.err()).isZero();
      assertThat(second.err())
          .contains(INVALID + " of " + LINES + " lines cannot be submitted; they are left out");
      assertThat(second.out())
          .contains("batch it-1: " + GOOD + " requests")
          .containsPattern("\\d+ of the batch's requests are already in the pipeline")
          .contains("every request of batch it-1 has ended");

      for (int i = 0; i < LINES; i++) {
        assertThat(sim.ledger().submissionCount("it-1.line-" + i))
            .as("line-%d submitted at most once, though the batch was produced twice", i)
            .isEqualTo(i % 35 == 3 ? 0 : 1);
      }
      BatchTool.Run status = run("batch", "status", "it-1", "--status-url", statusUrl.toString());
      assertThat(status.out())
          .contains("batch it-1: " + GOOD + " requests seen, " + GOOD + " ended")
          .contains("ARCHIVED         " + (GOOD - 1))
          .contains("FAILED           1");
      // The results: one line per request, equal to its last task-status event and its charge.
      Path results = dir.resolve("results.jsonl");
      List<JsonNode> rows = new ArrayList<>();
      // Billing charges a success within seconds; the view shows the charge once it has read it.
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                BatchTool.Run written =
                    run(
                        "batch",
                        "results",
                        "it-1",
                        "--out",
                        results.toString(),
                        "--status-url",
                        statusUrl.toString());
                assertThat(written.code()).as(written.err()).isZero();
                assertThat(written.out()).contains("wrote " + GOOD + " results of batch it-1");
                rows.clear();
                for (String text : Files.readAllLines(results)) {
                  rows.add(JSON.readTree(text));
                }
                assertThat(rows)
                    .filteredOn(r -> r.path("state").asText().equals("ARCHIVED"))
                    .hasSize(GOOD - 1)
                    .allMatch(r -> r.path("cost_micros").isNumber());
              });
      assertThat(rows)
          .extracting(r -> r.path("custom_id").asText())
          .hasSize(GOOD)
          .doesNotHaveDuplicates();
      try (TopicLog<TaskStatus> statuses =
              new TopicLog<>(stack.bootstrapServers(), stack.topics().taskStatus());
          TopicLog<Charge> charges =
              new TopicLog<>(stack.bootstrapServers(), stack.topics().billingCharges())) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  statuses.refreshToEnd();
                  assertThat(
                          charges.refreshToEnd().values().stream()
                              .filter(c -> c.getRequestId().startsWith("it-1.")))
                      .hasSize(GOOD - 1);
                });
        for (JsonNode row : rows) {
          String id = row.path("request_id").asText();
          TaskStatus last = TopicLog.last(statuses, id).orElseThrow();
          assertThat(row.path("state").asText()).as(id).isEqualTo(last.getState().name());
          if (last.getArchive() != null) {
            assertThat(row.path("s3_uri").asText()).isEqualTo(last.getArchive().getUri());
            assertThat(row.path("size_bytes").asLong()).isEqualTo(last.getArchive().getSizeBytes());
            assertThat(row.path("sha256").asText()).isEqualTo(last.getArchive().getSha256());
            Charge charge = charges.valuesOf(id).get(0);
            assertThat(row.path("cost_micros").asLong()).as(id).isEqualTo(charge.getAmountMicros());
            assertThat(row.path("currency").asText()).isEqualTo(charge.getCurrency());
          } else {
            assertThat(row.path("error_code").asText()).isEqualTo(last.getError().getCode());
            assertThat(row.path("cost_micros").isNull()).as("no charge for a failure").isTrue();
          }
        }
      }

      BatchTool.Run list = run("batch", "list", "--status-url", statusUrl.toString());
      assertThat(list.out()).as(list.err()).containsPattern("it-1\\s+" + GOOD + "\\s+" + GOOD);
      BatchTool.Run one = run("status", "it-1.line-5", "--status-url", statusUrl.toString());
      assertThat(one.code()).isZero();
      assertThat(one.out()).contains("it-1.line-5  FAILED").contains("DataInspectionFailed");
    }
  }
}
