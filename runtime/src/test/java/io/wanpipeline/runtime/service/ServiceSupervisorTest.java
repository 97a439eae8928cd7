package io.wanpipeline.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.runtime.management.Readiness;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What ends a service's process: {@link ServiceSupervisor} with an exit action that records the
 * status and, as {@link System#exit} does, runs the shutdown hook ({@link
 * ServiceSupervisor#stop()}) on another thread, so that this JVM survives.
 */
class ServiceSupervisorTest {
  /** The bound on the time from a reported failure to the exit call. */
  private static final Duration EXIT_BOUND = Duration.ofSeconds(10);

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aServiceThatFailsAfterStartEndsTheProcessWithStatus70WithinTheBound() throws Exception {
    FakeService service = new FakeService(null);
    Harness h = new Harness(service, ServiceRunner.FAILURE_CHECK_INTERVAL);
    h.runInBackground();
    assertThat(service.started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(h.exits).as("no exit while the service works").isEmpty();

    long failedAt = System.nanoTime();
    service.failure.set(new IllegalStateException("intake loop stopped"));

    assertThat(h.exited.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("exit called").isTrue();
    assertThat(Duration.ofNanos(h.exitedAt.get() - failedAt))
        .as("time from the failure to the exit call")
        .isLessThan(EXIT_BOUND);
    assertThat(h.exits).containsExactly(ServiceRunner.FAILED_STATUS);
    assertThat(h.returned.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(service.closedOnce.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("closed by the hook that the exit runs")
        .isTrue();
    h.supervisor.stop(); // a second hook run, as if SIGTERM came too
    assertThat(service.closes).as("closed once").hasValue(1);
  }

  @Test
  void aStartThatThrowsEndsTheProcessWithStatus70AndClosesWhatWasStarted() throws Exception {
    FakeService service = new FakeService(new IllegalStateException("registry down"));
    Harness h = new Harness(service, ServiceRunner.FAILURE_CHECK_INTERVAL);
    h.runInBackground();

    assertThat(h.exited.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("exit called").isTrue();
    assertThat(h.exits).containsExactly(ServiceRunner.FAILED_STATUS);
    assertThat(service.closedOnce.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(h.returned.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(service.closes).hasValue(1);
  }

  @Test
  void aStopClosesTheServiceOnceAndDoesNotCallExit() throws Exception {
    FakeService service = new FakeService(null);
    // Checked often, so that a failure reported by the closing service would be seen.
    Harness h = new Harness(service, Duration.ofMillis(5));
    h.runInBackground();
    assertThat(service.started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    // A closing service's loops end: it reports that once close() has begun.
    service.failWhenClosed = true;

    Thread hook = new Thread(h.supervisor::stop, "sigterm-hook");
    hook.start();

    assertThat(h.returned.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("run() returns once the hook has closed the service")
        .isTrue();
    hook.join(WAIT.toMillis());
    h.supervisor.stop();
    assertThat(h.exits).as("a requested stop is no failure").isEmpty();
    assertThat(service.closes).as("closed once").hasValue(1);
  }

  /** The supervisor under test, run on its own thread, with an exit action that records. */
  private static final class Harness {
    final List<Integer> exits = new CopyOnWriteArrayList<>();
    final CountDownLatch exited = new CountDownLatch(1);
    final AtomicLong exitedAt = new AtomicLong();
    final CountDownLatch returned = new CountDownLatch(1);
    final ServiceSupervisor supervisor;

    Harness(PipelineService service, Duration checkInterval) {
      AtomicReference<ServiceSupervisor> self = new AtomicReference<>();
      supervisor =
          new ServiceSupervisor(
              "fake",
              service,
              Duration.ofSeconds(25),
              checkInterval,
              status -> {
                exitedAt.set(System.nanoTime());
                exits.add(status);
                exited.countDown();
                // System.exit runs the shutdown hooks on their own threads.
                new Thread(self.get()::stop, "exit-hook").start();
              });
      self.set(supervisor);
    }

    void runInBackground() {
      Thread t =
          new Thread(
              () -> {
                try {
                  supervisor.run();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  returned.countDown();
                }
              },
              "supervisor");
      t.setDaemon(true);
      t.start();
    }
  }

  private static final class FakeService implements PipelineService {
    final RuntimeException startError;
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch closedOnce = new CountDownLatch(1);
    final AtomicInteger closes = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile boolean failWhenClosed;

    FakeService(RuntimeException startError) {
      this.startError = startError;
    }

    @Override
    public void start() {
      if (startError != null) {
        throw startError;
      }
      started.countDown();
    }

    @Override
    public Optional<Throwable> failure() {
      if (failWhenClosed && closes.get() > 0) {
        return Optional.of(new IllegalStateException("loop ended by close"));
      }
      return Optional.ofNullable(failure.get());
    }

    @Override
    public Readiness readiness() {
      return Readiness.READY;
    }

    @Override
    public CompositeMeterRegistry meters() {
      return new CompositeMeterRegistry();
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      closedOnce.countDown();
    }
  }
}
