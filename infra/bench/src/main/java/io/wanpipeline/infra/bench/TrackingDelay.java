package io.wanpipeline.infra.bench;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The poller's {@code wan.poll.tracking.delay} summed over its accounts at one moment: how many new
 * tasks it had tracked, their delays' sum and the largest recent delay (the timer's max over its
 * last two minutes).
 *
 * @param count tasks tracked so far
 * @param totalMillis sum of their delays
 * @param maxMillis largest delay of the last two minutes
 */
record TrackingDelay(long count, double totalMillis, double maxMillis) {
  /** The statistics line's field. */
  static final String FIELD = "tracking";

  /** Nothing tracked yet. */
  static final TrackingDelay NONE = new TrackingDelay(0, 0, 0);

  static TrackingDelay of(MeterRegistry registry) {
    long count = 0;
    double total = 0;
    double max = 0;
    for (Timer t : registry.find("wan.poll.tracking.delay").timers()) {
      count += t.count();
      total += t.totalTime(TimeUnit.MILLISECONDS);
      max = Math.max(max, t.max(TimeUnit.MILLISECONDS));
    }
    return new TrackingDelay(count, total, max);
  }

  /** As one token of a statistics line: {@code count/totalMillis/maxMillis}. */
  String format() {
    return count + "/" + Math.round(totalMillis) + "/" + Math.round(maxMillis);
  }

  static TrackingDelay parse(String token) {
    String[] parts = token.split("/");
    return new TrackingDelay(
        Long.parseLong(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2]));
  }

  /** The mean delay of the tasks tracked since {@code earlier}, and this moment's max. */
  String since(TrackingDelay earlier) {
    long n = count - earlier.count;
    return n <= 0
        ? "-"
        : Table.seconds((totalMillis - earlier.totalMillis) / n) + " / " + Table.seconds(maxMillis);
  }
}
