package io.wanpipeline.archiver.archive;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides which queued archives would start too late: each queued request's start is estimated from
 * the recent archive durations (an exponentially weighted average) and the work ahead of it (the
 * jobs in flight plus the queue before it, run {@code workers} at a time); a request whose
 * estimated start is after {@code expiresAt - margin} is at risk of losing its video. Pure: time
 * comes in as arguments.
 */
public final class BacklogWatch {
  private static final double WEIGHT = 0.2;

  private final Duration margin;
  private final int workers;
  private final Set<String> warned = new HashSet<>();
  private double averageMillis = -1;
  private int atRisk;

  /**
   * A queued request, in the order the queue would start it.
   *
   * @param requestId the request
   * @param taskId the provider task, for the log
   * @param expiresAt when its result link expires
   */
  public record Queued(String requestId, String taskId, Instant expiresAt) {
    public Queued {
      Objects.requireNonNull(requestId, "requestId");
      Objects.requireNonNull(expiresAt, "expiresAt");
    }
  }

  /**
   * A request newly found at risk.
   *
   * @param request the queued request
   * @param estimatedStart when it is expected to start
   */
  public record AtRisk(Queued request, Instant estimatedStart) {}

  /**
   * @param margin how long before its link's expiry an archive should have started
   * @param workers archives run at the same time
   */
  public BacklogWatch(Duration margin, int workers) {
    if (margin.isNegative()) {
      throw new IllegalArgumentException("margin must not be negative, got " + margin);
    }
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    this.margin = margin;
    this.workers = workers;
  }

  /** Records how long one archive took (start to answer), for the estimate. */
  public void recordDuration(Duration took) {
    double millis = Math.max(0, took.toMillis());
    averageMillis = averageMillis < 0 ? millis : WEIGHT * millis + (1 - WEIGHT) * averageMillis;
  }

  /** The current estimate of one archive's duration; zero before any was recorded. */
  public Duration averageDuration() {
    return Duration.ofMillis(Math.round(Math.max(0, averageMillis)));
  }

  /**
   * Estimates the queue's starts and updates {@link #atRiskCount()}.
   *
   * @param queue the queued requests in start order
   * @param inFlight archives running now
   * @param now the current time
   * @return the requests at risk that were not reported by an earlier call (warn once each)
   */
  public List<AtRisk> check(List<Queued> queue, int inFlight, Instant now) {
    long each = averageDuration().toMillis();
    List<AtRisk> fresh = new ArrayList<>();
    Set<String> stillQueued = new HashSet<>();
    int count = 0;
    for (int i = 0; i < queue.size(); i++) {
      Queued q = queue.get(i);
      stillQueued.add(q.requestId());
      long waves = (long) (inFlight + i) / workers;
      Instant start = now.plusMillis(Math.multiplyExact(waves, each));
      if (start.isAfter(q.expiresAt().minus(margin))) {
        count++;
        if (warned.add(q.requestId())) {
          fresh.add(new AtRisk(q, start));
        }
      }
    }
    warned.retainAll(stillQueued);
    atRisk = count;
    return fresh;
  }

  /** Queued requests estimated to start after their expiry minus the margin, at the last check. */
  public int atRiskCount() {
    return atRisk;
  }
}
