package io.wanpipeline.infra.cli;

import io.wanpipeline.infra.batch.CancelOptions;
import io.wanpipeline.infra.batch.CommandSender;
import io.wanpipeline.infra.batch.StatusViewClient;
import io.wanpipeline.infra.batch.StatusViewOption;
import io.wanpipeline.schemas.commands.RequestCommands;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wan-pipeline cancel REQUEST_ID...}: a CANCEL command per request on {@code
 * request-commands}, after a look at the status view: a request that has ended or runs at the
 * provider is not sent one (a running task cannot be cancelled), the others are.
 */
@Command(
    name = "cancel",
    description =
        "Cancel requests: one still queued ends CANCELED without a submission, a PENDING task is"
            + " cancelled at the provider (not charged); a RUNNING task cannot be cancelled and"
            + " finishes, charged. Exit 0 when every request was cancelled or asked to be, 1 when"
            + " one could not be, 2 on a usage or connection error.")
public final class CancelCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", description = "The request_ids.")
  List<String> requestIds;

  @Mixin CancelOptions options = new CancelOptions();

  @Option(
      names = "--wait",
      description =
          "Wait this long (90s, 5m) for each request to end, and say how it ended; default: do"
              + " not wait.")
  Duration wait;

  @Mixin StatusViewOption view = new StatusViewOption();

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;
  private final Clock clock = Clock.systemUTC();

  @Override
  public Integer call() throws InterruptedException {
    for (String id : requestIds) {
      if (!RequestCommands.ID.matcher(id).matches()) {
        err.println("cancel: '" + id + "' is not a request_id (1-255 of [A-Za-z0-9._:-])");
        return 2;
      }
    }
    if (options.problem().isPresent()) {
      err.println("cancel: " + options.problem().get());
      return 2;
    }
    StatusViewClient client = new StatusViewClient(view.url());
    boolean allCancelled = true;
    try (CommandSender sender = CommandSender.fromConfig(options.config())) {
      for (String id : requestIds) {
        allCancelled &= cancel(id, client, sender);
      }
    } catch (IOException | RuntimeException e) {
      err.println("cancel: " + e.getMessage());
      return 2;
    }
    return allCancelled ? 0 : 1;
  }

  /** Cancels one request; false when it cannot be (ended otherwise, or running). */
  private boolean cancel(String id, StatusViewClient client, CommandSender sender)
      throws IOException, InterruptedException {
    Optional<String> state = state(client, id);
    if (state.isPresent() && StatusViewClient.TERMINAL.contains(state.get())) {
      out.printf("%s  %s: it has ended, nothing to cancel%n", id, state.get());
      return state.get().equals("CANCELED");
    }
    if (state.isPresent() && state.get().equals("RUNNING")) {
      out.printf(
          "%s  RUNNING: the provider cannot cancel a running task; it finishes and is charged%n",
          id);
      return false;
    }
    if (state.isPresent() && state.get().endsWith("SUCCEEDED")) {
      out.printf(
          "%s  %s: the video is made; it is archived and charged, nothing to cancel%n",
          id, state.get());
      return false;
    }
    sender.send(
        RequestCommands.cancelRequest(
            id, options.reason(), options.requestedBy(), clock.instant()));
    out.printf(
        "%s  cancel sent to %s: %s%n",
        id,
        sender.topicName(),
        state.isEmpty()
            ? "no event of it yet; if it is queued it ends CANCELED without a submission"
            : "it is " + state.get() + "; the poller cancels it at the provider (not charged)");
    if (wait == null) {
      return true;
    }
    Instant until = clock.instant().plus(wait);
    while (clock.instant().isBefore(until)) {
      Optional<String> now = state(client, id);
      if (now.isPresent() && StatusViewClient.TERMINAL.contains(now.get())) {
        out.printf("%s  ended %s%n", id, now.get());
        return now.get().equals("CANCELED");
      }
      Thread.sleep(1_000);
    }
    out.printf("%s  has not ended within %s%n", id, wait);
    return false;
  }

  /** The request's state in the status view; empty when it has none or the view does not answer. */
  private Optional<String> state(StatusViewClient client, String id) throws InterruptedException {
    try {
      return client.request(id).map(r -> r.path("state").asText());
    } catch (IOException e) {
      err.println("cancel: the status view did not answer (" + e.getMessage() + ")");
      return Optional.empty();
    }
  }
}
