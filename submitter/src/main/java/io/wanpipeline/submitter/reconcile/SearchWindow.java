package io.wanpipeline.submitter.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The creation-time window in which an in-doubt create call's task must appear: from the INTENT's
 * {@code recorded_at} (written just before the call) minus the clock skew allowed between the
 * submitter and the provider, to {@code recorded_at} plus the create call's timeout plus that skew.
 *
 * @param start earliest creation time of a candidate, inclusive
 * @param end latest creation time of a candidate, inclusive
 */
public record SearchWindow(Instant start, Instant end) {

  public SearchWindow {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("window ends " + end + " before it starts " + start);
    }
  }

  /**
   * The window around a create call whose intent was recorded at {@code recordedAt}.
   *
   * @param createCallTimeout the longest a create call can last before the client gives up
   * @param skew the largest difference allowed between our clock and the provider's
   */
  public static SearchWindow around(Instant recordedAt, Duration createCallTimeout, Duration skew) {
    Objects.requireNonNull(recordedAt, "recordedAt");
    requireNotNegative(createCallTimeout, "createCallTimeout");
    requireNotNegative(skew, "skew");
    return new SearchWindow(recordedAt.minus(skew), recordedAt.plus(createCallTimeout).plus(skew));
  }

  /** Whether a task created at {@code created} may be the in-doubt call's task. */
  public boolean contains(Instant created) {
    return !created.isBefore(start) && !created.isAfter(end);
  }

  private static void requireNotNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
  }
}
