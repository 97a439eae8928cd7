package io.wanpipeline.infra.local;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.archiver.ArchiverService;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.billing.BillingService;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.poller.PollerService;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.submitter.SubmitterMain;
import io.wanpipeline.submitter.SubmitterService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The four services in one JVM, each built by its own main's factory from the same settings, so the
 * local stack runs exactly what the deployables run.
 */
public final class PipelineServices implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipelineServices.class);

  private final SubmitterService submitter;
  private final PollerService poller;
  private final ArchiverService archiver;
  private final BillingService billing;

  private PipelineServices(
      SubmitterService submitter,
      PollerService poller,
      ArchiverService archiver,
      BillingService billing) {
    this.submitter = submitter;
    this.poller = poller;
    this.archiver = archiver;
    this.billing = billing;
  }

  /** Builds and starts the four services. */
  public static PipelineServices start(Settings settings, Clock clock) {
    BillingService billing = BillingMain.create(settings, clock);
    ArchiverService archiver = null;
    PollerService poller = null;
    SubmitterService submitter = null;
    try {
      billing.start();
      archiver = ArchiverMain.create(settings, clock);
      archiver.start();
      poller = PollerMain.create(settings, clock);
      poller.start();
      submitter = SubmitterMain.create(settings, clock);
      submitter.start();
      return new PipelineServices(submitter, poller, archiver, billing);
    } catch (RuntimeException e) {
      closeAll(submitter, poller, archiver, billing);
      throw e;
    }
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

  /**
   * The first of the four services found unable to work ({@link PipelineService#failure()}), with
   * its name; empty while all four work.
   */
  public Optional<Failed> failure() {
    Map<String, PipelineService> byName = new LinkedHashMap<>();
    byName.put("submitter", submitter);
    byName.put("poller", poller);
    byName.put("archiver", archiver);
    byName.put("billing", billing);
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

  /** Stops the four services together and waits until each has stopped. */
  @Override
  public void close() {
    try {
      stop(Duration.ofDays(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the four services together (each commits what it has done and leaves its groups) and
   * waits up to {@code grace} for them.
   *
   * @return true if every service stopped within {@code grace}; false if some are still stopping
   *     (they are left to finish or to die with the JVM, and redo their uncommitted work at the
   *     next start)
   */
  public boolean stop(Duration grace) throws InterruptedException {
    List<Thread> stoppers = new ArrayList<>();
    for (PipelineService s : List.of(submitter, poller, archiver, billing)) {
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
