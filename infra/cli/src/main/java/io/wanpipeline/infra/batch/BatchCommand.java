package io.wanpipeline.infra.batch;

import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;

/**
 * {@code wan-pipeline batch ...}: backfill jobs as batches of requests, in the manner of the large
 * model providers' batch APIs (a JSONL file of requests with a {@code custom_id} each).
 */
@Command(
    name = "batch",
    description = "Submit a file of requests as a batch (BATCH priority) and follow it.",
    subcommands = {
      BatchSubmit.class,
      BatchStatus.class,
      BatchResults.class,
      BatchCancel.class,
      BatchList.class
    })
public final class BatchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    new picocli.CommandLine(this).usage(System.out);
    return 0;
  }

  /** A progress bar in ASCII (any terminal), redrawn twice a second. */
  static ProgressBar bar(String task, long max) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .build();
  }
}
