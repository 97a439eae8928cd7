package io.wanpipeline.wan;

import java.time.Instant;
import java.util.List;

/** One page of the provider's list query. */
public record TaskPage(int total, int totalPages, int pageNo, int pageSize, List<Entry> tasks) {

  public TaskPage {
    tasks = List.copyOf(tasks);
  }

  /** One task in a list page (times are epoch milliseconds on the wire). */
  public record Entry(
      String taskId,
      ProviderStatus status,
      String model,
      String requestId,
      Instant created,
      Instant start,
      Instant end) {}
}
