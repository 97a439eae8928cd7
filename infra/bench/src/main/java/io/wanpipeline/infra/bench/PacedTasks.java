package io.wanpipeline.infra.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The workload of the quota and peers benchmarks on one account: {@code count} tasks created one
 * every {@link #PERIOD} (4 a second per model, under the provider's 5), over {@link
 * Workload#MODELS}; each stays PENDING until a common start (so that all are in flight together)
 * and then runs for its own time, spread evenly between {@code minRun} and {@code maxRun}.
 *
 * @param count tasks
 * @param minRun shortest running time
 * @param maxRun longest running time
 * @param createFrom when the first create call is made
 */
record PacedTasks(int count, Duration minRun, Duration maxRun, Instant createFrom) {
  /** Time between two create calls. */
  static final Duration PERIOD = Duration.ofMillis(50);

  /** When every task starts running: two seconds after the last create call is due. */
  Instant commonStart() {
    return createFrom.plus(PERIOD.multipliedBy(count)).plusSeconds(2);
  }

  /** When task {@code i}'s create call is due. */
  Instant createAt(int i) {
    return createFrom.plus(PERIOD.multipliedBy(i));
  }

  /** Task {@code i}'s running time: spread evenly (in a shuffled order) over the range. */
  Duration runTime(int i) {
    long span = maxRun.toMillis() - minRun.toMillis();
    long k = (i * 7919L) % count;
    return minRun.plusMillis(count <= 1 ? 0 : span * k / (count - 1));
  }

  /** The latest any task ends. */
  Instant lastEnd() {
    return commonStart().plus(maxRun);
  }

  String model(int i) {
    return Workload.MODELS.get(i % Workload.MODELS.size());
  }

  /** The prompt of task {@code i} created at {@code now}, with the simulator's timing markers. */
  String prompt(int i, Instant now) {
    long pending = Math.max(0, Duration.between(now, commonStart()).toMillis());
    return "bench task "
        + i
        + " [sim:pending-ms="
        + pending
        + "][sim:run-ms="
        + runTime(i).toMillis()
        + "]";
  }

  /** Sleeps until {@code at}; the benchmarks pace real calls in real time. */
  static void sleepUntil(Instant at) throws InterruptedException {
    long millis = Duration.between(Instant.now(), at).toMillis();
    if (millis > 0) {
      TimeUnit.MILLISECONDS.sleep(millis);
    }
  }
}
