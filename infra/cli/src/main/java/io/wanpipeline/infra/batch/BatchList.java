package io.wanpipeline.infra.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code batch list}. */
@Command(name = "list", description = "List the batches the status view has seen.")
final class BatchList implements Callable<Integer> {
  @picocli.CommandLine.Mixin StatusViewOption view = new StatusViewOption();

  @Override
  public Integer call() throws Exception {
    JsonNode answer;
    try {
      answer = new StatusViewClient(view.url()).batches();
    } catch (IOException e) {
      System.err.println("batch list: " + e.getMessage());
      return 2;
    }
    System.out.printf(Locale.ROOT, "%-40s %8s %8s%n", "BATCH", "SEEN", "ENDED");
    for (JsonNode b : answer.path("batches")) {
      long ended = 0;
      for (String state : StatusViewClient.TERMINAL) {
        ended += b.path("counts").path(state).asLong(0);
      }
      System.out.printf(
          Locale.ROOT,
          "%-40s %8d %8d%n",
          b.path("batch_id").asText(),
          b.path("total").asLong(),
          ended);
    }
    return 0;
  }
}
