package io.wanpipeline.infra.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code batch results BATCH --out FILE}. */
@Command(
    name = "results",
    description =
        "Write one JSON line per request of a batch the status view has seen: custom_id,"
            + " request_id, state, s3_uri, size_bytes, sha256, video_seconds, cost_micros,"
            + " currency, error_code, error_message.")
final class BatchResults implements Callable<Integer> {
  /** Requests asked for per page of the status view. */
  static final int PAGE = 1000;

  @Parameters(index = "0", description = "The batch id.")
  String batchId;

  @Option(names = "--out", required = true, description = "The results file (JSONL).")
  Path out;

  @picocli.CommandLine.Mixin StatusViewOption view = new StatusViewOption();

  @Override
  public Integer call() throws Exception {
    if (!BatchFile.BATCH_ID.matcher(batchId).matches()) {
      System.err.println("batch results: '" + batchId + "' is not a batch id");
      return 2;
    }
    StatusViewClient client = new StatusViewClient(view.url());
    ObjectMapper json = new ObjectMapper();
    int written = 0;
    int ended = 0;
    try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      String after = null;
      do {
        JsonNode page = client.batchPage(batchId, after, PAGE);
        for (JsonNode r : page.path("requests")) {
          writer.write(json.writeValueAsString(row(json, r)));
          writer.newLine();
          written++;
          if (StatusViewClient.TERMINAL.contains(r.path("state").asText())) {
            ended++;
          }
        }
        after = page.path("next_after").isNull() ? null : page.path("next_after").asText();
      } while (after != null);
    } catch (IOException e) {
      System.err.println("batch results: " + e.getMessage());
      return 2;
    }
    System.out.printf(
        Locale.ROOT,
        "wrote %d results of batch %s to %s (%d ended, %d not yet)%n",
        written,
        batchId,
        out,
        ended,
        written - ended);
    return 0;
  }

  /** {@code value} as {@code row}'s {@code name}, or null when the answer has none. */
  private static void copy(ObjectNode row, String name, JsonNode value) {
    row.set(name, value.isMissingNode() ? NullNode.getInstance() : value);
  }

  /** The results line of one request, from its status view answer. */
  static ObjectNode row(ObjectMapper json, JsonNode r) {
    ObjectNode row = json.createObjectNode();
    row.put("custom_id", r.path("custom_id").asText(null));
    row.put("request_id", r.path("request_id").asText());
    row.put("state", r.path("state").asText());
    copy(row, "s3_uri", r.path("archive").path("uri"));
    copy(row, "size_bytes", r.path("archive").path("size_bytes"));
    copy(row, "sha256", r.path("archive").path("sha256"));
    copy(row, "video_seconds", r.path("video_seconds"));
    copy(row, "cost_micros", r.path("cost").path("amount_micros"));
    copy(row, "currency", r.path("cost").path("currency"));
    copy(row, "error_code", r.path("error").path("code"));
    copy(row, "error_message", r.path("error").path("message"));
    return row;
  }
}
