package io.wanpipeline.runtime.service;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.logging.LogSetup;
import io.wanpipeline.runtime.management.ManagementServer;
import io.wanpipeline.runtime.management.ManagementSettings;
import io.wanpipeline.runtime.management.ServiceMeters;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of every service's {@code main}: answers {@code --version}, logs uncaught errors, loads
 * {@link Settings} from the optional properties file {@code args[0]} overlaid by the environment,
 * builds the service with the system clock, closes it from a shutdown hook (SIGTERM, Ctrl-C),
 * starts it and blocks until the hook has closed it. The hook waits at most {@link #STOP_TIMEOUT}
 * for {@code close()}; the JVM then exits whatever is still running, and the next owner redoes the
 * uncommitted work. From before the start until the close, the service's {@code /healthz}, {@code
 * /readyz} and {@code /metrics} are served on {@code management.port} ({@link ManagementServer}).
 *
 * <p>A service that cannot work never keeps its process up: if it cannot be built or started, or
 * reports a {@link PipelineService#failure() failure} while it runs (checked every {@link
 * #FAILURE_CHECK_INTERVAL}), the cause is logged once at ERROR and the JVM exits with status {@link
 * #FAILED_STATUS}, closing the service through the same shutdown hook (once, within {@link
 * #STOP_TIMEOUT}). Its supervisor (Kubernetes, systemd, a process manager) restarts it; a restarted
 * service resumes from what is committed.
 */
public final class ServiceRunner {
  private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

  /**
   * The longest a service takes to stop after SIGTERM: inside the 30 s that Kubernetes (and most
   * process managers) allow before SIGKILL. Each service's own close timeouts fit inside it.
   */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(25);

  /**
   * The exit status of a service that could not be built or started, or that failed while running
   * ({@code EX_SOFTWARE} of sysexits.h): not 0, so that a supervisor restarts it.
   */
  public static final int FAILED_STATUS = 70;

  /** How often a running service is asked whether it failed: the exit starts within this. */
  public static final Duration FAILURE_CHECK_INTERVAL = Duration.ofSeconds(1);

  private ServiceRunner() {}

  /**
   * Runs the service built by {@code factory} until the JVM shuts down, or until the service cannot
   * work, when the JVM exits with {@link #FAILED_STATUS}.
   *
   * @param name the service's name, for logs and the shutdown thread
   * @param args the command line; {@code args[0]}, if given, is the properties file, or {@code
   *     --version} to print the name and the product version and return
   * @param factory builds the (not yet started) service from the settings and a clock
   */
  public static <S extends PipelineService> void run(
      String name, String[] args, BiFunction<Settings, Clock, S> factory)
      throws InterruptedException {
    if (args.length == 1 && args[0].equals("--version")) {
      System.out.println(name + " " + ProductVersion.get());
      return;
    }
    Thread.setDefaultUncaughtExceptionHandler(
        (t, e) -> log.error("Uncaught error: service={}, thread={}", name, t.getName(), e));
    S service;
    Optional<ManagementServer> management;
    try {
      Settings settings = Settings.load(args.length > 0 ? Path.of(args[0]) : null, System.getenv());
      LogSetup.apply(settings);
      ManagementSettings managementSettings = ManagementSettings.from(settings);
      service = factory.apply(settings, Clock.systemUTC());
      PrometheusMeterRegistry metrics = ServiceMeters.prometheus();
      service.meters().add(metrics);
      management = ManagementServer.start(name, managementSettings, service, metrics);
    } catch (RuntimeException | Error e) {
      // Nothing started yet; a client the factory left behind must not keep the JVM up.
      log.error("service={} could not be built; exiting with status={}", name, FAILED_STATUS, e);
      System.exit(FAILED_STATUS);
      return;
    }
    ServiceSupervisor supervisor =
        new ServiceSupervisor(name, service, STOP_TIMEOUT, FAILURE_CHECK_INTERVAL, System::exit);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  supervisor.stop();
                  management.ifPresent(ManagementServer::close);
                },
                name + "-shutdown"));
    supervisor.run();
  }

  /**
   * Closes {@code service} on its own thread and waits at most {@code timeout} for it.
   *
   * @return true if it closed in time
   */
  static boolean closeWithin(String name, PipelineService service, Duration timeout) {
    long begin = System.nanoTime();
    Thread closer = new Thread(service::close, name + "-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    if (closer.isAlive()) {
      log.warn("service={} did not stop within {}; exiting anyway", name, timeout);
      return false;
    }
    log.info("service={} stopped tookMs={}", name, tookMs);
    return true;
  }
}
