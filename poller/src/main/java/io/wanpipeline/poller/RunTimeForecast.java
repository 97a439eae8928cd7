package io.wanpipeline.poller;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When a running task is likely to end, learned from the tasks of its class that this instance has
 * seen succeed: the same model, requested resolution and requested duration take about as long as
 * each other at the provider, and the provider says when each task started ({@code scheduled_time})
 * and ended. The poll scheduler aims a task's polls at the window in which most of its class ended
 * ({@link PollScheduler#afterAnswer(Instant, Window)}), instead of at a random point of the 5-10 s
 * interval.
 *
 * <p>Thread-safe: every poll processor of the instance learns into and reads one forecast. Limits,
 * decided once: a class is forecast from {@value #MIN_SAMPLES} samples on, from its last {@value
 * #SAMPLES} running times; the window runs from their {@value #LOW_PERCENT}th to their {@value
 * #HIGH_PERCENT}th percentile; at most {@value #MAX_CLASSES} classes are kept (one more is not
 * learned). Until its class has {@value #MIN_SAMPLES} samples, a task is forecast by the running
 * times of its model's tasks of every class (a wider window), so that a new class is aimed at from
 * its model's first successes on. Nothing is kept across restarts: a new instance learns again from
 * its first tasks.
 */
public final class RunTimeForecast {
  /** Samples a class needs before it is forecast. */
  static final int MIN_SAMPLES = 5;

  /** Running times kept per class, the newest replacing the oldest. */
  static final int SAMPLES = 50;

  /** The window's start, as a percentile of the class's running times. */
  static final int LOW_PERCENT = 10;

  /** The window's end. */
  static final int HIGH_PERCENT = 90;

  /** Classes kept at most. */
  static final int MAX_CLASSES = 10_000;

  /**
   * Where a task's end is expected.
   *
   * @param from the earliest likely end
   * @param to the latest likely end; after it, the task is late for its class
   */
  public record Window(Instant from, Instant to) {}

  private final boolean enabled;
  private final Map<String, Samples> classes = new ConcurrentHashMap<>();
  private final Map<String, Samples> models = new ConcurrentHashMap<>();

  private RunTimeForecast(boolean enabled) {
    this.enabled = enabled;
  }

  /** A forecast that learns and aims. */
  public static RunTimeForecast learning() {
    return new RunTimeForecast(true);
  }

  /** No forecast: every poll falls at a random point of the interval. */
  public static RunTimeForecast none() {
    return new RunTimeForecast(false);
  }

  /**
   * Learns from {@code snapshot}, an answer about {@code status}'s task: its running time if it
   * succeeded.
   */
  public void learn(TaskStatus status, TaskSnapshot snapshot) {
    if (!enabled
        || snapshot.status() != ProviderStatus.SUCCEEDED
        || snapshot.scheduledTime() == null
        || snapshot.endTime() == null
        || !snapshot.endTime().isAfter(snapshot.scheduledTime())) {
      return;
    }
    long millis = Duration.between(snapshot.scheduledTime(), snapshot.endTime()).toMillis();
    add(classes, classOf(status), millis);
    add(models, String.valueOf(status.getModel()), millis);
  }

  private static void add(Map<String, Samples> samples, String key, long millis) {
    Samples s = samples.get(key);
    if (s == null) {
      if (samples.size() >= MAX_CLASSES) {
        return;
      }
      s = samples.computeIfAbsent(key, k -> new Samples());
    }
    s.add(millis);
  }

  /**
   * Where the task of {@code status}, answered {@code snapshot}, is likely to end: empty unless it
   * is running, the provider said when it started, and its class (else its model) is known.
   */
  public Optional<Window> window(TaskStatus status, TaskSnapshot snapshot) {
    if (!enabled
        || snapshot.status() != ProviderStatus.RUNNING
        || snapshot.scheduledTime() == null) {
      return Optional.empty();
    }
    long[] range = rangeOf(classes.get(classOf(status)));
    if (range == null) {
      range = rangeOf(models.get(String.valueOf(status.getModel())));
    }
    if (range == null) {
      return Optional.empty();
    }
    Instant started = snapshot.scheduledTime();
    return Optional.of(new Window(started.plusMillis(range[0]), started.plusMillis(range[1])));
  }

  private static long[] rangeOf(Samples samples) {
    return samples == null ? null : samples.range();
  }

  /** Classes learned, for tests and metrics. */
  int classes() {
    return classes.size();
  }

  private static String classOf(TaskStatus status) {
    return status.getModel()
        + '|'
        + status.getRequestedResolution()
        + '|'
        + status.getRequestedDuration();
  }

  /**
   * The last {@link #SAMPLES} running times of one class, in milliseconds, and their percentiles,
   * worked out when a sample arrives (once per success) rather than at every answer read.
   */
  private static final class Samples {
    private final long[] ring = new long[SAMPLES];
    private int count;
    private int next;
    private long[] range;

    synchronized void add(long millis) {
      ring[next] = millis;
      next = (next + 1) % SAMPLES;
      count = Math.min(SAMPLES, count + 1);
      if (count >= MIN_SAMPLES) {
        long[] sorted = Arrays.copyOf(ring, count);
        Arrays.sort(sorted);
        range = new long[] {percentile(sorted, LOW_PERCENT), percentile(sorted, HIGH_PERCENT)};
      }
    }

    /** The low and high percentiles, or null with too few samples. */
    synchronized long[] range() {
      return range;
    }

    private static long percentile(long[] sorted, int percent) {
      int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
  }
}
