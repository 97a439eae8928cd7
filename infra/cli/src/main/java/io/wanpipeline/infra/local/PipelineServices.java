package io.wanpipeline.infra.local;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.archiver.ArchiverService;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.billing.BillingService;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.poller.PollerService;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.management.ManagementServer;
import io.wanpipeline.runtime.management.ManagementSettings;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.status.StatusMain;
import io.wanpipeline.status.StatusService;
import io.wanpipeline.submitter.SubmitterMain;
import io.wanpipeline.submitter.SubmitterService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five services in one JVM, each built by its own main's factory from the same settings, so the
 * local stack runs exactly what the deployables run. Each serves its own {@code /healthz}, {@code
 * /readyz} and {@code /metrics} ({@link ManagementServer}): submitter, poller, archiver, billing
 * and the status view on {@code management.port} + 0, 1, 2, 3 and 4 ({@value
 * ManagementSettings#DEFAULT_PORT} to 9468 by default; with 0 each takes a free port, with -1 none
 * is served).
 */
public final class PipelineServices implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipelineServices.class);

  private final SubmitterService submitter;
  private final PollerService poller;
  private final ArchiverService archiver;
  private final BillingService billing;
  private final StatusService status;
  private final Map<String, ManagementServer> management;

  private PipelineServices(
      SubmitterService submitter,
      PollerService poller,
      ArchiverService archiver,
      BillingService billing,
      StatusService status,
      Map<String, ManagementServer> management) {
    this.submitter = submitter;
    this.poller = poller;
    this.archiver = archiver;
    this.billing = billing;
    this.status = status;
    this.management = management;
  }

  /** Builds and starts the five services and their management endpoints. */
  public static PipelineServices start(Settings settings, Clock clock) {
    ManagementSettings base = ManagementSettings.from(settings);
    Map<String, ManagementServer> management = new LinkedHashMap<>();
    BillingService billing = BillingMain.create(settings, clock);
    StatusService status = null;
    ArchiverService archiver = null;
    PollerService poller = null;
    SubmitterService submitter = null;
    try {
      serve("billing", 3, base, billing, management);
      billing.start();
      archiver = ArchiverMain.create(settings, clock);
      serve("archiver", 2, base, archiver, management);
      archiver.start();
      poller = PollerMain.create(settings, clock);
      serve("poller", 1, base, poller, management);
      poller.start();
      submitter = SubmitterMain.create(settings, clock);
      serve("submitter", 0, base, submitter, management);
      submitter.start();
      // Last: its console reads the others' metrics, on the ports they were just given.
      status = StatusMain.create(withConsoleMetrics(settings, base, management), clock);
      serve("status", 4, base, status, management);
      status.start();
      return new PipelineServices(
          submitter, poller, archiver, billing, status, orderedByPort(management));
    } catch (RuntimeException e) {
      closeAll(submitter, poller, archiver, billing, status);
      management.values().forEach(ManagementServer::close);
      throw e;
    }
  }

  /** {@code settings} with the console reading the submitter's, poller's and archiver's metrics. */
  private static Settings withConsoleMetrics(
      Settings settings, ManagementSettings base, Map<String, ManagementServer> management) {
    if (settings.find("status.console.metrics-urls").isPresent()) {
      return settings;
    }
    String host =
        base.host().equals("0.0.0.0") || base.host().equals("::") ? "127.0.0.1" : base.host();
    List<String> urls = new ArrayList<>();
    for (String name : List.of("submitter", "poller", "archiver")) {
      ManagementServer server = management.get(name);
      if (server != null) {
        urls.add("http://" + host + ":" + server.port() + "/metrics");
      }
    }
    return settings.with(Map.of("status.console.metrics-urls", String.join(",", urls)));
  }

  private static void serve(
      String name,
      int offset,
      ManagementSettings base,
      PipelineService service,
      Map<String, ManagementServer> management) {
    PrometheusMeterRegistry metrics = ServiceMeters.prometheus();
    service.meters().add(metrics);
    int port = base.port() > 0 ? base.port() + offset : base.port();
    ManagementServer.start(name, new ManagementSettings(base.host(), port), service, metrics)
        .ifPresent(server -> management.put(name, server));
  }

  private static Map<String, ManagementServer> orderedByPort(Map<String, ManagementServer> m) {
    Map<String, ManagementServer> ordered = new LinkedHashMap<>();
    for (String name : List.of("submitter", "poller", "archiver", "billing", "status")) {
      if (m.containsKey(name)) {
        ordered.put(name, m.get(name));
      }
    }
    return ordered;
  }

  /**
   * The port of each service's management endpoints, by service name (submitter, poller, archiver,
   * billing, status); empty when none is served.
   */
  public Map<String, Integer> managementPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    management.forEach((name, server) -> ports.put(name, server.port()));
    return ports;
  }

  public SubmitterService submitter() {
    return submitter;
  }

  public PollerService poller() {
    return poller;
  }

  public ArchiverService archiver() {
    return archiver;
  }

  public BillingService billing() {
    return billing;
  }

  public StatusService status() {
    return status;
  }

  /**
   * The first of the five services found unable to work ({@link PipelineService#failure()}), with
   * its name; empty while all five work.
   */
  public Optional<Failed> failure() {
    Map<String, PipelineService> byName = new LinkedHashMap<>();
    byName.put("submitter", submitter);
    byName.put("poller", poller);
    byName.put("archiver", archiver);
    byName.put("billing", billing);
    byName.put("status", status);
    for (Map.Entry<String, PipelineService> e : byName.entrySet()) {
      Optional<Throwable> cause = e.getValue().failure();
      if (cause.isPresent()) {
        return Optional.of(new Failed(e.getKey(), cause.get()));
      }
    }
    return Optional.empty();
  }

  /**
   * A service that can no longer work.
   *
   * @param service its name
   * @param cause why
   */
  public record Failed(String service, Throwable cause) {}

  /** Stops the five services together and waits until each has stopped. */
  @Override
  public void close() {
    try {
      stop(Duration.ofDays(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the five services together (each commits what it has done and leaves its groups) and
   * waits up to {@code grace} for them.
   *
   * @return true if every service stopped within {@code grace}; false if some are still stopping
   *     (they are left to finish or to die with the JVM, and redo their uncommitted work at the
   *     next start)
   */
  public boolean stop(Duration grace) throws InterruptedException {
    List<Thread> stoppers = new ArrayList<>();
    for (PipelineService s : Arrays.asList(submitter, poller, archiver, billing, status)) {
      if (s != null) {
        Thread t = new Thread(() -> closeQuietly(s), "stop-" + s.getClass().getSimpleName());
        t.setDaemon(true);
        t.start();
        stoppers.add(t);
      }
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (Thread t : stoppers) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    management.values().forEach(ManagementServer::close);
    List<String> still = stoppers.stream().filter(Thread::isAlive).map(Thread::getName).toList();
    if (!still.isEmpty()) {
      log.warn("services not stopped within {}, going on without them: {}", grace, still);
    }
    return still.isEmpty();
  }

  private static void closeAll(AutoCloseable... services) {
    for (AutoCloseable s : services) {
      if (s != null) {
        closeQuietly(s);
      }
    }
  }

  private static void closeQuietly(AutoCloseable s) {
    try {
      s.close();
    } catch (Exception e) {
      log.warn("error stopping {}: {}", s.getClass().getSimpleName(), e.toString());
    }
  }
}
