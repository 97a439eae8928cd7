package io.wanpipeline.runtime.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Decides what becomes of a Kafka Streams thread that died on an error: it is replaced, unless more
 * than {@link #MAX_FAILURES} threads died within {@link #WINDOW}, when the client is shut down (it
 * goes to {@code ERROR}, and the service reports a failure): a thread that dies again at once, for
 * example on a fatal producer error, would otherwise be replaced forever while the service does
 * nothing.
 */
public final class StreamThreadReplacements {
  /** How many thread deaths within {@link #WINDOW} are replaced. */
  public static final int MAX_FAILURES = 3;

  /** The window over which thread deaths are counted. */
  public static final Duration WINDOW = Duration.ofMinutes(1);

  private final Clock clock;
  private final Deque<Instant> recent = new ArrayDeque<>();

  /**
   * @param clock the time of each death
   */
  public StreamThreadReplacements(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** What to do about a stream thread that has just died. */
  public synchronized StreamThreadExceptionResponse threadDied() {
    Instant now = clock.instant();
    recent.addLast(now);
    Instant since = now.minus(WINDOW);
    while (!recent.isEmpty() && !recent.peekFirst().isAfter(since)) {
      recent.removeFirst();
    }
    return recent.size() > MAX_FAILURES
        ? StreamThreadExceptionResponse.SHUTDOWN_CLIENT
        : StreamThreadExceptionResponse.REPLACE_THREAD;
  }
}
