package io.wanpipeline.infra.batch;

import io.wanpipeline.schemas.commands.RequestCommands;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code batch cancel BATCH}: one CANCEL command for every request of the batch. */
@Command(
    name = "cancel",
    description =
        "Cancel a batch: its requests still queued (and any produced later with its id) end"
            + " CANCELED without a submission, its PENDING tasks are cancelled at the provider"
            + " (not charged); RUNNING tasks cannot be cancelled and finish, charged.")
final class BatchCancel implements Callable<Integer> {
  @Parameters(index = "0", description = "The batch id.")
  String batchId;

  @Mixin CancelOptions options = new CancelOptions();

  @Mixin StatusViewOption view = new StatusViewOption();

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() throws InterruptedException {
    if (!BatchFile.BATCH_ID.matcher(batchId).matches()) {
      err.println("batch cancel: '" + batchId + "' is not a batch id (1-64 of [A-Za-z0-9._:-])");
      return 2;
    }
    if (options.problem().isPresent()) {
      err.println("batch cancel: " + options.problem().get());
      return 2;
    }
    try (CommandSender sender = CommandSender.fromConfig(options.config())) {
      sender.send(
          RequestCommands.cancelBatch(
              batchId, options.reason(), options.requestedBy(), Clock.systemUTC().instant()));
      out.printf("cancel of batch %s sent to %s%n", batchId, sender.topicName());
    } catch (IOException | IllegalArgumentException e) {
      err.println("batch cancel: " + e.getMessage());
      return 2;
    }
    try {
      Map<String, Long> counts = new StatusViewClient(view.url()).batchCounts(batchId);
      long running = counts.getOrDefault("RUNNING", 0L);
      out.printf("the status view has: %s%n", counts.isEmpty() ? "no request of it yet" : counts);
      if (running > 0) {
        out.printf(
            "%d RUNNING cannot be cancelled: the provider finishes them, and they are charged%n",
            running);
      }
    } catch (IOException e) {
      err.println("batch cancel: the status view did not answer (" + e.getMessage() + ")");
    }
    out.println("follow it with: wan-pipeline batch status " + batchId);
    return 0;
  }
}
