package io.wanpipeline.runtime.service;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when a service's process must end. {@link #run()} starts the service and returns once
 * {@link #stop()} (the shutdown hook) has closed it; if {@code start()} throws, or the service
 * reports a {@link PipelineService#failure() failure}, it logs the cause once and calls {@code
 * exit} with {@link ServiceRunner#FAILED_STATUS} within {@code checkInterval}. In a service's main
 * {@code exit} is {@link System#exit}, which runs the shutdown hook: the service is closed there,
 * once, and abandoned after the stop timeout, as at SIGTERM.
 */
final class ServiceSupervisor {
  private static final Logger log = LoggerFactory.getLogger(ServiceSupervisor.class);

  private final String name;
  private final PipelineService service;
  private final Duration stopTimeout;
  private final Duration checkInterval;
  private final IntConsumer exit;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean closeClaimed = new AtomicBoolean();

  /**
   * @param name the service's name, for logs
   * @param service the service, not started
   * @param stopTimeout the longest {@link #stop()} waits for {@code close()}
   * @param checkInterval how often the service is asked whether it failed
   * @param exit ends the process with a status; in production it does not return
   */
  ServiceSupervisor(
      String name,
      PipelineService service,
      Duration stopTimeout,
      Duration checkInterval,
      IntConsumer exit) {
    this.name = Objects.requireNonNull(name, "name");
    this.service = Objects.requireNonNull(service, "service");
    this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
    this.checkInterval = Objects.requireNonNull(checkInterval, "checkInterval");
    this.exit = Objects.requireNonNull(exit, "exit");
  }

  /**
   * Starts the service, then asks it every {@code checkInterval} whether it failed, until {@link
   * #stop()} is called (then waits for the close) or it failed (then calls {@code exit} and
   * returns, if {@code exit} does).
   */
  void run() throws InterruptedException {
    try {
      service.start();
    } catch (RuntimeException | Error e) {
      exitOnFailure("could not start", e);
      return;
    }
    while (!stopping.await(checkInterval.toNanos(), TimeUnit.NANOSECONDS)) {
      Optional<Throwable> failure;
      try {
        failure = service.failure();
      } catch (RuntimeException e) {
        failure = Optional.of(e); // a service that cannot even answer cannot be trusted to work
      }
      // Checked again after the answer: a failure caused by a close that began meanwhile (stop()
      // counts down before it closes) is no failure.
      if (failure.isPresent() && stopping.getCount() > 0) {
        exitOnFailure("failed", failure.get());
        return;
      }
    }
    stopped.await();
  }

  /**
   * Closes the service, once however often it is called, waiting at most the stop timeout; from its
   * first call on, a failure no longer ends the process (a closing service's loops end).
   */
  void stop() {
    stopping.countDown();
    if (closeClaimed.compareAndSet(false, true)) {
      ServiceRunner.closeWithin(name, service, stopTimeout);
    }
    stopped.countDown();
  }

  private void exitOnFailure(String what, Throwable cause) {
    log.error(
        "service={} {}; exiting with status={} so that its supervisor restarts it",
        name,
        what,
        ServiceRunner.FAILED_STATUS,
        cause);
    exit.accept(ServiceRunner.FAILED_STATUS);
  }
}
