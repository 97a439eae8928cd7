package io.wanpipeline.infra.cli;

import io.wanpipeline.infra.batch.BatchCommand;
import io.wanpipeline.infra.demo.Demo;
import io.wanpipeline.infra.dlq.DlqCommand;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.logging.LogSetup;
import io.wanpipeline.runtime.service.ProductVersion;
import io.wanpipeline.runtime.service.ServiceRunner;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code wan-pipeline} command line. */
@Command(
    name = "wan-pipeline",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = WanPipelineCli.Version.class,
    description =
        "Kafka pipeline for Alibaba Wan video generation: local stack, demo, simulator, estimates,"
            + " prices, batches, request status and cancel, dead letters. The benchmarks ship in their own jar:"
            + " ./wan-pipeline bench --help.",
    subcommands = {
      WanPipelineCli.Local.class,
      WanPipelineCli.DemoCommand.class,
      WanPipelineCli.Simulator.class,
      EstimateCommand.class,
      PublishPricesCommand.class,
      RequestStatusCommand.class,
      CancelCommand.class,
      BatchCommand.class,
      DlqCommand.class
    })
public final class WanPipelineCli implements Callable<Integer> {

  /** {@code --version}: the product version the build wrote. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"wan-pipeline " + ProductVersion.get()};
    }
  }

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line as {@link #main} runs it: {@code --help} and {@code --version} on every
   * subcommand, durations read as the configuration reads them ({@code 5m}, {@code 90s}, {@code
   * PT5M}).
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new WanPipelineCli());
    cli.registerConverter(Duration.class, value -> Settings.parseDuration("duration", value));
    return cli;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  static Settings settings(Path config) {
    return Settings.load(config, System.getenv());
  }

  /** Options shared by the commands that start the local stack. */
  static final class StackOptions {
    @Option(
        names = "--data-dir",
        defaultValue = ".local-stack",
        description =
            "Where Kafka, s3proxy and the services keep their data (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
        names = "--config",
        description =
            "Properties file with service settings; WAN_PIPELINE_* environment variables override it."
                + " Setting provider.default.base-url and WAN_PIPELINE_PROVIDER_DEFAULT_API_KEY uses a"
                + " real provider instead of the simulator.")
    Path config;

    LocalStack start() throws Exception {
      return start(false);
    }

    /**
     * Starts the stack; with {@code logToFile} every log line goes to {@code wan-pipeline.log} in
     * the data directory and only errors reach the terminal.
     */
    LocalStack start(boolean logToFile) throws Exception {
      Settings settings = settings(config);
      LogSetup.apply(settings);
      if (logToFile) {
        Files.createDirectories(dataDir);
        Path log = dataDir.resolve("wan-pipeline.log").toAbsolutePath();
        LogSetup.toFile(log);
        System.out.println("logs go to " + log);
      }
      System.out.println("starting the local stack in " + dataDir.toAbsolutePath() + " ...");
      LocalStack stack = LocalStack.start(LocalStack.Options.of(dataDir, settings));
      Settings s = stack.settings();
      System.out.println("  kafka            " + s.string("kafka.bootstrap.servers"));
      System.out.println("  schema registry  " + s.string("schema-registry.url"));
      System.out.println("  s3               " + s.string("s3.endpoint") + " (bucket wan-videos)");
      System.out.println(
          "  provider         "
              + stack.simulator().map(sim -> sim.baseUrl() + " (simulator)").orElse("configured"));
      URI billing = stack.services().billing().httpUrl();
      if (billing != null) {
        System.out.println(
            "  billing http     " + billing + "/billing/totals, " + billing + "/billing/estimate");
      }
      System.out.println("  console          " + stack.services().status().httpUrl() + "/console/");
      System.out.println(
          "  status http      "
              + stack.services().status().httpUrl()
              + "/status/requests/<request_id>, /status/requests?account=<account_id>");
      String host = s.string("management.host", "127.0.0.1").replace("0.0.0.0", "127.0.0.1");
      stack
          .services()
          .managementPorts()
          .forEach(
              (service, port) ->
                  System.out.printf(
                      "  %-16s http://%s:%d/healthz /readyz /metrics%n",
                      service + " mgmt", host, port));
      return stack;
    }
  }

  @Command(name = "local", description = "Start the local stack and run until interrupted.")
  static final class Local implements Callable<Integer> {
    @CommandLine.Mixin StackOptions stack = new StackOptions();

    @Override
    public Integer call() throws Exception {
      try (LocalStack running = stack.start()) {
        System.out.println("the pipeline is running; press Ctrl-C to stop");
        return awaitStopOrFailure(running);
      }
    }
  }

  @Command(
      name = "demo",
      description =
          "Start the local stack, send sample requests, show their states until each ends, then"
              + " where each video landed and the bill.")
  static final class DemoCommand implements Callable<Integer> {
    @CommandLine.Mixin StackOptions stack = new StackOptions();

    @Option(
        names = "--timeout",
        defaultValue = "5m",
        description =
            "How long to wait for every request to end, as 90s, 5m or PT5M (default:"
                + " ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--keep-running", description = "Keep the stack running after the demo.")
    boolean keepRunning;

    @Override
    public Integer call() throws Exception {
      // The table is the demo's output: the services' and Kafka's lines go to a file.
      try (LocalStack running = stack.start(true)) {
        boolean finished =
            new Demo(
                    running.bootstrapServers(),
                    running.topics(),
                    System.out,
                    Clock.systemUTC(),
                    System.console() != null)
                .run(timeout);
        if (keepRunning) {
          System.out.println("the pipeline is still running; press Ctrl-C to stop");
          int status = awaitStopOrFailure(running);
          if (status != 0) {
            return status;
          }
        }
        return finished ? 0 : 1;
      }
    }
  }

  @Command(name = "simulator", description = "Run only the Wan simulator.")
  static final class Simulator implements Callable<Integer> {
    @Option(
        names = "--port",
        defaultValue = "8089",
        description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
      try (WanSimulator sim = WanSimulator.start(SimulatorConfig.builder().port(port).build())) {
        System.out.println("Wan simulator at " + sim.baseUrl() + "; ledger at /__sim/ledger");
        awaitShutdown(sim);
      }
      return 0;
    }
  }

  /**
   * Blocks until the JVM is asked to stop (the shutdown hook closes the stack first; returns 0) or
   * part of the stack can no longer work (returns {@link ServiceRunner#FAILED_STATUS}, and the
   * caller closes the stack): a half-dead stack never keeps running.
   */
  private static int awaitStopOrFailure(LocalStack running) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    AtomicReference<String> failed = new AtomicReference<>();
    running
        .failure()
        .thenAccept(
            what -> {
              failed.set(what);
              stop.countDown();
            });
    onShutdown(running, stop);
    stop.await();
    if (failed.get() == null) {
      return 0;
    }
    System.err.println(failed.get() + "; stopping the local stack");
    return ServiceRunner.FAILED_STATUS;
  }

  /** Blocks until the JVM is asked to stop; the shutdown hook closes {@code running} first. */
  private static void awaitShutdown(AutoCloseable running) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    onShutdown(running, stop);
    stop.await();
  }

  /** Closes {@code running} from a shutdown hook, then counts {@code stop} down. */
  private static void onShutdown(AutoCloseable running, CountDownLatch stop) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    running.close();
                  } catch (Exception e) {
                    System.err.println("error while stopping: " + e);
                  } finally {
                    stop.countDown();
                  }
                },
                "wan-pipeline-stop"));
  }
}
