package io.wanpipeline.infra.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.wanpipeline.infra.batch.StatusViewClient;
import io.wanpipeline.infra.batch.StatusViewOption;
import io.wanpipeline.schemas.commands.RequestCommands;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code wan-pipeline status REQUEST_ID}: one request's lifecycle, from the status view. */
@Command(
    name = "status",
    description =
        "Show where a request is: its state, each state it went through, its video or its error"
            + " (from the status view).")
public final class RequestStatusCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "The request_id.")
  String requestId;

  @Mixin StatusViewOption view = new StatusViewOption();

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() throws InterruptedException {
    if (!RequestCommands.ID.matcher(requestId).matches()) {
      err.println("status: '" + requestId + "' is not a request_id (1-255 of [A-Za-z0-9._:-])");
      return 2;
    }
    Optional<JsonNode> found;
    try {
      found = new StatusViewClient(view.url()).request(requestId);
    } catch (IOException e) {
      err.println("status: " + e.getMessage());
      return 2;
    }
    if (found.isEmpty()) {
      err.println(
          "status: no event of " + requestId + " yet (unknown, or still in the submitter's queue)");
      return 1;
    }
    JsonNode r = found.get();
    out.printf(
        "%s  %s  account %s  model %s  provider account %s%n",
        r.path("request_id").asText(),
        r.path("state").asText(),
        r.path("account_id").asText(),
        r.path("model").asText(),
        r.path("provider_account").asText());
    for (JsonNode t : r.path("transitions")) {
      out.printf(
          "  %-24s %-14s %s%n",
          t.path("at").asText(), t.path("state").asText(), t.path("code").asText(""));
    }
    if (r.has("archive")) {
      out.printf(
          "  video: %s (%d bytes, sha256 %s)%n",
          r.path("archive").path("uri").asText(),
          r.path("archive").path("size_bytes").asLong(),
          r.path("archive").path("sha256").asText());
    }
    if (r.has("error")) {
      out.printf(
          "  error: %s: %s%n",
          r.path("error").path("code").asText(), r.path("error").path("message").asText());
    }
    return 0;
  }
}
