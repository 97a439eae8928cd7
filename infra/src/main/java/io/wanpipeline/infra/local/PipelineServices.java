package io.wanpipeline.infra.local;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.archiver.ArchiverService;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.billing.BillingService;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.poller.PollerService;
import io.wanpipeline.schemas.config.Settings;
import io.wanpipeline.submitter.SubmitterMain;
import io.wanpipeline.submitter.SubmitterService;
import java.time.Clock;

/**
 * The four services in one JVM, each built by its own main's factory from the same settings, so the
 * local stack runs exactly what the deployables run.
 */
public final class PipelineServices implements AutoCloseable {
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

  /** Stops the services front to back: nothing new is submitted while the rest drain. */
  @Override
  public void close() {
    closeAll(submitter, poller, archiver, billing);
  }

  private static void closeAll(AutoCloseable... services) {
    for (AutoCloseable s : services) {
      if (s != null) {
        try {
          s.close();
        } catch (Exception e) {
          org.slf4j.LoggerFactory.getLogger(PipelineServices.class)
              .warn("error stopping {}: {}", s.getClass().getSimpleName(), e.toString());
        }
      }
    }
  }
}
