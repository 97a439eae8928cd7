package io.wanpipeline.infra.chaos;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault steps run at fixed offsets from a start instant by a scheduler (no sleeping test thread):
 * each step records when it began and ended and what went wrong, so the summary shows the timeline
 * as it happened and a failed step is a test problem, not a silent gap.
 */
final class FaultTimeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FaultTimeline.class);

  /** One fault action. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  /** A step as it ran: offsets from the start, and its error if any. */
  record Done(String name, Duration planned, Duration began, Duration ended, String error) {}

  private final Clock clock;
  private final ScheduledExecutorService scheduler =
      Executors.newScheduledThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "fault-timeline");
            t.setDaemon(true);
            return t;
          });
  private final List<Done> done = new ArrayList<>();
  private int planned;
  private Instant start;

  FaultTimeline(Clock clock) {
    this.clock = clock;
  }

  /** Starts the clock of the timeline; steps are planned relative to this instant. */
  synchronized void start() {
    start = clock.instant();
  }

  /** Runs {@code action} at {@code at} after the start. */
  synchronized void at(Duration at, String name, Action action) {
    planned++;
    long delay = Math.max(0, Duration.between(clock.instant(), start.plus(at)).toMillis());
    scheduler.schedule(() -> run(at, name, action), delay, TimeUnit.MILLISECONDS);
  }

  private void run(Duration planned, String name, Action action) {
    Duration began = since();
    LOG.info("fault step at {} s: {}", began.toMillis() / 1000.0, name);
    String error = null;
    try {
      action.run();
    } catch (Exception | AssertionError e) {
      error = e.toString();
      LOG.warn("fault step failed: {}", name, e);
    }
    synchronized (this) {
      done.add(new Done(name, planned, began, since(), error));
    }
  }

  private synchronized Duration since() {
    return Duration.between(start, clock.instant());
  }

  /** Whether every planned step has run. */
  synchronized boolean finished() {
    return done.size() == planned;
  }

  /** The steps that ran, in the order they ended. */
  synchronized List<Done> done() {
    return List.copyOf(done);
  }

  /** The errors of steps that failed. */
  synchronized List<String> problems() {
    return done.stream()
        .filter(d -> d.error() != null)
        .map(d -> d.name() + ": " + d.error())
        .toList();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
