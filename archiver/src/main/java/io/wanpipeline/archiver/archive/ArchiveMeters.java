package io.wanpipeline.archiver.archive;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The archiver's meters ({@code docs/metrics.md}, section archiver). Tags are closed sets: {@code
 * code} is one of {@link #FINAL_CODES} (else {@code OTHER}), {@code outcome} is {@code archived} or
 * {@code failed}, {@code state} is {@code queued} or {@code in_flight}; never a request or task id,
 * a key or a link.
 *
 * <p>The committed counts ({@code wan.archive.archived}, {@code wan.archive.failed}, {@code
 * wan.archive.duration}) move after the transaction that carries the terminal event committed; the
 * work counts ({@code wan.archive.uploaded}, {@code wan.archive.retries}) when the work is done, so
 * work redone after an aborted transaction is counted again. Thread-safe.
 */
public final class ArchiveMeters {
  /** The failure codes an ARCHIVE_FAILED event can carry; any other is counted as {@code OTHER}. */
  public static final Set<String> FINAL_CODES =
      Set.of(
          ArchiveFailure.LINK_EXPIRED,
          ArchiveFailure.LINK_REFRESH_FAILED,
          ArchiveFailure.LINK_REFUSED,
          ArchiveFailure.DOWNLOAD_FAILED,
          ArchiveFailure.SIZE_MISMATCH,
          ArchiveFailure.VIDEO_TOO_LARGE,
          ArchiveFailure.UPLOAD_FAILED,
          ArchiveFailure.KEY_CONFLICT,
          ArchiveFailure.NO_API_KEY,
          ArchiveFailure.INVALID_EVENT);

  private static final String OTHER = "OTHER";

  private final MeterRegistry registry;
  private final AtomicLong archived = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong expiryAtRisk = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final Counter uploaded;
  private final Timer archivedDuration;
  private final Timer failedDuration;

  /** Registers the archiver's meters in {@code registry}. */
  public ArchiveMeters(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    FunctionCounter.builder("wan.archive.archived", archived, AtomicLong::get)
        .description("ARCHIVED events committed by this instance")
        .register(registry);
    // Every code from zero, so increase() sees a code's first failure.
    FINAL_CODES.forEach(this::failures);
    failures(OTHER);
    Gauge.builder("wan.archive.expiry.at.risk", expiryAtRisk, AtomicLong::get)
        .description(
            "queued archives estimated to start less than archiver.expiry-margin before their link"
                + " expires")
        .register(registry);
    Gauge.builder("wan.archive.backlog", queued, AtomicLong::get)
        .description("SUCCEEDED events read and not finished: queued, or being archived")
        .tag("state", "queued")
        .register(registry);
    Gauge.builder("wan.archive.backlog", inFlight, AtomicLong::get)
        .description("SUCCEEDED events read and not finished: queued, or being archived")
        .tag("state", "in_flight")
        .register(registry);
    this.uploaded =
        Counter.builder("wan.archive.uploaded")
            .description("bytes of videos uploaded to S3 by completed uploads")
            .baseUnit("bytes")
            .register(registry);
    this.archivedDuration = duration("archived");
    this.failedDuration = duration("failed");
  }

  private Timer duration(String outcome) {
    return Timer.builder("wan.archive.duration")
        .description(
            "from the start of a request's archive to the commit of its ARCHIVED or ARCHIVE_FAILED"
                + " event, retries and their backoff included")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(100))
        .maximumExpectedValue(Duration.ofHours(1))
        .register(registry);
  }

  private Counter failures(String code) {
    return Counter.builder("wan.archive.failed")
        .description("ARCHIVE_FAILED events committed by this instance, by failure code")
        .tag("code", code)
        .register(registry);
  }

  private Counter retries(String code) {
    return Counter.builder("wan.archive.retries")
        .description("archive attempts that failed and are retried (or their link refreshed)")
        .tag("code", code)
        .register(registry);
  }

  private static String bounded(String code) {
    return code != null && FINAL_CODES.contains(code) ? code : OTHER;
  }

  /**
   * Records the committed terminal event {@code terminal}, {@code took} after its archive started.
   */
  public void committed(TaskStatus terminal, Duration took) {
    if (terminal.getState() == TaskState.ARCHIVED) {
      archived.incrementAndGet();
      archivedDuration.record(took);
    } else {
      failed.incrementAndGet();
      ErrorInfo error = terminal.getError();
      failures(bounded(error == null ? null : error.getCode())).increment();
      failedDuration.record(took);
    }
  }

  /** Records a completed upload of {@code bytes}. */
  public void uploaded(long bytes) {
    uploaded.increment(bytes);
  }

  /** Records an attempt that failed with {@code code} and is tried again. */
  public void retried(String code) {
    retries(bounded(code)).increment();
  }

  /** Sets the backlog: archives queued, and archives in flight. */
  public void backlog(int queuedCount, int inFlightCount) {
    queued.set(queuedCount);
    inFlight.set(inFlightCount);
  }

  /** Sets the queued archives estimated to start too close to their link's expiry. */
  public void expiryAtRisk(long count) {
    expiryAtRisk.set(count);
  }

  /** ARCHIVED events committed since the start. */
  public long archivedCount() {
    return archived.get();
  }

  /** ARCHIVE_FAILED events committed since the start. */
  public long failedCount() {
    return failed.get();
  }

  /** The last {@link #expiryAtRisk(long)}. */
  public long expiryAtRiskCount() {
    return expiryAtRisk.get();
  }
}
