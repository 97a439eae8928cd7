package io.wanpipeline.infra.bench;

import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.logging.LogSetup;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wan-pipeline bench [pipeline|poller-capacity|quota|peers|archiver|billing|all]}: runs
 * benchmarks, prints tables.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Run benchmarks against a real broker and the Wan simulator and print a table per"
            + " benchmark: pipeline, poller-capacity, quota, peers, archiver, billing, or all"
            + " (docs/benchmarks.md).")
public final class BenchCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      defaultValue = "all",
      description =
          "pipeline, poller-capacity, quota, peers, archiver, billing or all (default:"
              + " ${DEFAULT-VALUE}).")
  String which;

  /** Entry point of wan-pipeline-bench.jar, which {@code ./wan-pipeline bench} runs. */
  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new BenchCommand());
    // Durations read as the configuration and the other commands read them: 30s, 3m, PT30S.
    cli.registerConverter(Duration.class, value -> Settings.parseDuration("--duration", value));
    System.exit(cli.execute(args));
  }

  @Option(
      names = "--tasks",
      description =
          "Tasks: poller-capacity's last step (default 100000; earlier steps 10%%, 25%%, 50%%),"
              + " quota's tasks in flight (default 1000), peers' tasks per peer (default 200),"
              + " archiver's videos (default 8), billing's status events (default 300000).")
  Integer tasks;

  @Option(
      names = "--duration",
      description =
          "pipeline: the run's length (default 10m; 3m for a quick look); poller-capacity:"
              + " measuring window per step (default 30s); quota and peers: the"
              + " longest a run waits for its tasks after the last one is created (default 3m"
              + " and 150s); archiver and billing: the longest they wait (default 5m). As 90s, 5m"
              + " or PT5M.")
  Duration duration;

  @Option(
      names = "--accounts",
      defaultValue = "50",
      description = "poller-capacity: provider accounts (default: ${DEFAULT-VALUE}).")
  int accounts;

  @Option(
      names = "--mode",
      defaultValue = "both",
      description =
          "poller-capacity: http (poller child JVM over HTTP), board (in-process task board) or"
              + " both (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--video-mib",
      defaultValue = "64",
      description = "archiver: size of each video in MiB (default: ${DEFAULT-VALUE}).")
  int videoMib;

  @Option(
      names = "--shortest-task",
      defaultValue = "30s",
      description =
          "pipeline: the least mean running time of a class of tasks (model, resolution,"
              + " duration) at the simulator (default: ${DEFAULT-VALUE}).")
  Duration shortestTask;

  @Option(
      names = "--longest-task",
      defaultValue = "120s",
      description = "pipeline: the greatest such mean (default: ${DEFAULT-VALUE}).")
  Duration longestTask;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "pipeline: seed of the workload and the simulator (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--set",
      description =
          "pipeline and poller-capacity: a service setting for this run, as key=value"
              + " (repeatable), e.g. --set poller.aim-polls=false to compare.")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--markdown", description = "Also append the tables as Markdown to this file.")
  Path markdown;

  @Override
  public Integer call() throws Exception {
    // The tables are the output: keep the services' own INFO lines out of them.
    LogSetup.level("io.wanpipeline", "WARN");
    // Kafka's clients log expected start-up races (changelog topics not yet created) at ERROR.
    LogSetup.level("org.apache.kafka", "OFF");
    PrintStream out = System.out;
    String what = which.toLowerCase(Locale.ROOT);
    if (!List.of("pipeline", "poller-capacity", "quota", "peers", "archiver", "billing", "all")
        .contains(what)) {
      System.err.println(
          "unknown benchmark '"
              + which
              + "'; use pipeline, poller-capacity, quota, peers, archiver, billing or all");
      return 2;
    }
    if (shortestTask.isNegative()
        || shortestTask.isZero()
        || longestTask.compareTo(shortestTask) < 0) {
      System.err.println("need 0 < --shortest-task <= --longest-task");
      return 2;
    }
    List<Table> tables = new ArrayList<>();
    out.println("starting a Kafka broker and the schema registry ...");
    try (BenchStack stack = BenchStack.start()) {
      if (what.equals("pipeline") || what.equals("all")) {
        PipelineBench bench =
            new PipelineBench(
                stack,
                new PipelineBench.Options(
                    duration == null || what.equals("all") ? Duration.ofMinutes(10) : duration,
                    shortestTask,
                    longestTask,
                    10_000_000L,
                    50_000_000L,
                    seed,
                    set),
                out);
        for (Table t : bench.run()) {
          tables.add(print(out, t));
        }
      }
      if (what.equals("poller-capacity") || what.equals("all")) {
        PollerCapacityBench bench =
            new PollerCapacityBench(
                stack,
                new PollerCapacityBench.Options(
                    tasks == null || what.equals("all") ? 100_000 : tasks,
                    accounts,
                    duration == null || what.equals("all") ? Duration.ofSeconds(30) : duration,
                    set),
                out);
        tables.add(print(out, bench.run(modes())));
      }
      if (what.equals("quota") || what.equals("all")) {
        QuotaBench bench =
            new QuotaBench(
                stack,
                tasks == null || what.equals("all") ? 1000 : tasks,
                duration == null || what.equals("all") ? Duration.ofMinutes(3) : duration,
                out);
        tables.add(print(out, bench.run()));
      }
      if (what.equals("peers") || what.equals("all")) {
        PeersBench bench =
            new PeersBench(
                stack,
                tasks == null || what.equals("all") ? 200 : tasks,
                duration == null || what.equals("all") ? Duration.ofSeconds(150) : duration,
                out);
        tables.add(print(out, bench.run()));
      }
      if (what.equals("archiver") || what.equals("all")) {
        ArchiverBench bench =
            new ArchiverBench(
                stack,
                tasks == null || what.equals("all") ? 8 : tasks,
                (what.equals("all") ? 64 : videoMib) * 1024L * 1024L,
                duration == null || what.equals("all") ? Duration.ofMinutes(5) : duration,
                out);
        tables.add(print(out, bench.run()));
      }
      if (what.equals("billing") || what.equals("all")) {
        BillingBench bench =
            new BillingBench(
                stack,
                tasks == null || what.equals("all") ? 300_000 : tasks,
                duration == null || what.equals("all") ? Duration.ofMinutes(5) : duration,
                out);
        tables.add(print(out, bench.run()));
      }
    }
    if (markdown != null) {
      appendMarkdown(tables);
    }
    return 0;
  }

  private List<PollerCapacityBench.Mode> modes() {
    return switch (mode.toLowerCase(Locale.ROOT)) {
      case "http" -> List.of(PollerCapacityBench.Mode.HTTP);
      case "board" -> List.of(PollerCapacityBench.Mode.BOARD);
      default -> List.of(PollerCapacityBench.Mode.HTTP, PollerCapacityBench.Mode.BOARD);
    };
  }

  private static Table print(PrintStream out, Table table) {
    out.println();
    out.print(table.text());
    out.println();
    return table;
  }

  private void appendMarkdown(List<Table> tables) throws IOException {
    StringBuilder b = new StringBuilder("### Run of ").append(Instant.now()).append("\n\n");
    tables.forEach(t -> b.append(t.markdown()));
    Files.writeString(
        markdown,
        b.toString(),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
