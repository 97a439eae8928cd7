package io.wanpipeline.infra.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.cli.WanPipelineCli;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.runtime.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch tool against a running local stack (the real services, broker, registry and simulator):
 * a file with a line the submitter would reject is refused whole; the corrected file is produced as
 * BATCH, followed through the status view until every request ended, and produced again without a
 * second submission of any request.
 */
class BatchCommandIT {
  private static final int LINES = 12;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void submitsAFileOnceFollowsItToTheEndAndNeverSubmitsARequestTwice() throws Exception {
    try (LocalStack stack =
        LocalStack.start(LocalStack.Options.of(dir.resolve("stack"), Settings.of(Map.of())))) {
      WanSimulator sim = stack.simulator().orElseThrow();
      URI statusUrl = stack.services().status().httpUrl();
      Path config = dir.resolve("batch.properties");
      Files.writeString(
          config,
          "kafka.bootstrap.servers="
              + stack.bootstrapServers()
              + "\nschema-registry.url="
              + stack.settings().string("schema-registry.url")
              + "\ntopics.prefix="
              + stack.settings().string("topics.prefix", "")
              + "\nprovider.accounts=default\n");
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < LINES; i++) {
        String prompt = i == 5 ? "a cat [sim:fail=DataInspectionFailed]" : "a cat, take " + i;
        lines.add(
            "{\"custom_id\":\"line-"
                + i
                + "\",\"model\":\"wan2.2-i2v-flash\",\"input\":{\"prompt\":\""
                + prompt
                + "\",\"img_url\":\"https://example.com/cat.png\"},"
                + "\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}");
      }
      Path bad = dir.resolve("bad.jsonl");
      List<String> badLines = new ArrayList<>(lines);
      badLines.set(3, badLines.get(3).replace("480P", "1080P"));
      Files.write(bad, badLines);
      Path good = dir.resolve("good.jsonl");
      Files.write(good, lines);

      Run refused =
          run(
              "batch",
              "submit",
              bad.toString(),
              "--config",
              config.toString(),
              "--yes",
              "--account",
              "backfill",
              "--batch-id",
              "it-1",
              "--timeout",
              "4m",
              "--status-url",
              statusUrl.toString());
      assertThat(refused.code()).isEqualTo(1);
      assertThat(refused.err())
          .contains("line 4, parameters.resolution: wan2.2-i2v-flash supports 480P and 720P")
          .contains("1 of 12 lines cannot be submitted; nothing was produced");
      assertThat(sim.ledger().submissions()).as("nothing of a refused batch").isEmpty();

      for (int attempt = 1; attempt <= 2; attempt++) {
        Run done =
            run(
                "batch",
                "submit",
                good.toString(),
                "--config",
                config.toString(),
                "--yes",
                "--account",
                "backfill",
                "--batch-id",
                "it-1",
                "--timeout",
                "4m",
                "--status-url",
                statusUrl.toString());
        assertThat(done.code()).as("attempt %d: %s", attempt, done.err()).isZero();
        assertThat(done.out())
            .contains("batch it-1: 12 requests")
            .contains("estimated cost: 6.00 CNY")
            .contains("provider-bound time: at least")
            .contains("every request of batch it-1 has ended");
        if (attempt == 2) {
          assertThat(done.out())
              .as("a re-run continues where the batch stands: here, done")
              .contains("12 of the batch's requests are already in the pipeline")
              .contains("produced 0 requests");
        }
      }

      for (int i = 0; i < LINES; i++) {
        assertThat(sim.ledger().submissionCount("it-1.line-" + i))
            .as("line-%d submitted once, though the batch was produced twice", i)
            .isEqualTo(1);
      }
      Run status = run("batch", "status", "it-1", "--status-url", statusUrl.toString());
      assertThat(status.out())
          .contains("batch it-1: 12 requests seen, 12 ended")
          .contains("ARCHIVED         11")
          .contains("FAILED           1");
      // The results: one line per request, equal to its last task-status event and its charge.
      Path results = dir.resolve("results.jsonl");
      List<JsonNode> rows = new ArrayList<>();
      // Billing charges a success within seconds; the view shows the charge once it has read it.
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                Run written =
                    run(
                        "batch",
                        "results",
                        "it-1",
                        "--out",
                        results.toString(),
                        "--status-url",
                        statusUrl.toString());
                assertThat(written.code()).as(written.err()).isZero();
                assertThat(written.out()).contains("wrote 12 results of batch it-1");
                rows.clear();
                for (String text : Files.readAllLines(results)) {
                  rows.add(JSON.readTree(text));
                }
                assertThat(rows)
                    .filteredOn(r -> r.path("state").asText().equals("ARCHIVED"))
                    .hasSize(LINES - 1)
                    .allMatch(r -> r.path("cost_micros").isNumber());
              });
      assertThat(rows)
          .extracting(r -> r.path("custom_id").asText())
          .hasSize(LINES)
          .doesNotHaveDuplicates();
      try (TopicLog<TaskStatus> statuses =
              new TopicLog<>(stack.bootstrapServers(), stack.topics().taskStatus());
          TopicLog<Charge> charges =
              new TopicLog<>(stack.bootstrapServers(), stack.topics().billingCharges())) {
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  statuses.refresh();
                  assertThat(
                          charges.refresh().values().stream()
                              .filter(c -> c.getRequestId().startsWith("it-1.")))
                      .hasSize(LINES - 1);
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

      Run list = run("batch", "list", "--status-url", statusUrl.toString());
      assertThat(list.out()).as(list.err()).containsPattern("it-1\\s+12\\s+12");
      Run one = run("status", "it-1.line-5", "--status-url", statusUrl.toString());
      assertThat(one.code()).isZero();
      assertThat(one.out()).contains("it-1.line-5  FAILED").contains("DataInspectionFailed");
    }
  }

  private record Run(int code, String out, String err) {}

  /** Runs the command line as its main does, in this JVM, capturing what it prints. */
  private static Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = WanPipelineCli.commandLine().execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }
}
