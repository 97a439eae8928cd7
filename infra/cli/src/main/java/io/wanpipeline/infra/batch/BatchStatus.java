package io.wanpipeline.infra.batch;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code batch status BATCH}. */
@Command(name = "status", description = "Count a batch's requests by state (the status view).")
final class BatchStatus implements Callable<Integer> {
  @Parameters(index = "0", description = "The batch id.")
  String batchId;

  @picocli.CommandLine.Mixin StatusViewOption view = new StatusViewOption();

  @Override
  public Integer call() throws Exception {
    if (!BatchFile.BATCH_ID.matcher(batchId).matches()) {
      System.err.println("batch status: '" + batchId + "' is not a batch id");
      return 2;
    }
    Map<String, Long> counts;
    try {
      counts = new StatusViewClient(view.url()).batchCounts(batchId);
    } catch (IOException e) {
      System.err.println("batch status: " + e.getMessage());
      return 2;
    }
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    long ended =
        counts.entrySet().stream()
            .filter(e -> StatusViewClient.TERMINAL.contains(e.getKey()))
            .mapToLong(Map.Entry::getValue)
            .sum();
    System.out.printf(Locale.ROOT, "batch %s: %d requests seen, %d ended%n", batchId, total, ended);
    counts.forEach((state, n) -> System.out.printf(Locale.ROOT, "  %-16s %d%n", state, n));
    return 0;
  }
}
