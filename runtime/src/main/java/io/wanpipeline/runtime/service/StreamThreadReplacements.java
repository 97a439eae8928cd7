package io.wanpipeline.runtime.service;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
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
 *
 * <p>A death because the schema registry did not answer ({@link
 * SchemaRegistryException#unavailable}: {@code DeadLetterUnreadableRecords} fails the thread so the
 * record is read again) is an outage of a dependency, not a defect: it is replaced without counting
 * against {@link #MAX_FAILURES}, for as long as such deaths keep coming no more than {@link
 * #WINDOW} apart and for at most {@link #REGISTRY_OUTAGE_LIMIT} from the first; then the client is
 * shut down as well. Before this rule a registry outage of one minute could end the poller and
 * billing, depending on how fast their threads died (the fault suite saw it at load 30).
 */
public final class StreamThreadReplacements {
  /** How many thread deaths within {@link #WINDOW} are replaced. */
  public static final int MAX_FAILURES = 3;

  /** The window over which thread deaths are counted. */
  public static final Duration WINDOW = Duration.ofMinutes(1);

  /** The longest run of registry-outage deaths replaced before the client is shut down. */
  public static final Duration REGISTRY_OUTAGE_LIMIT = Duration.ofMinutes(5);

  private final Clock clock;
  private final Deque<Instant> recent = new ArrayDeque<>();
  private Instant outageSince;
  private Instant lastOutageDeath;

  /**
   * @param clock the time of each death
   */
  public StreamThreadReplacements(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** What to do about a stream thread that has just died of {@code error}. */
  public synchronized StreamThreadExceptionResponse threadDied(Throwable error) {
    Instant now = clock.instant();
    if (SchemaRegistryException.unavailable(error)) {
      if (lastOutageDeath == null || now.isAfter(lastOutageDeath.plus(WINDOW))) {
        outageSince = now;
      }
      lastOutageDeath = now;
      return now.isAfter(outageSince.plus(REGISTRY_OUTAGE_LIMIT))
          ? StreamThreadExceptionResponse.SHUTDOWN_CLIENT
          : StreamThreadExceptionResponse.REPLACE_THREAD;
    }
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
