package io.wanpipeline.archiver.archive;

import io.wanpipeline.archiver.ArchiverConfig.ArchiveSettings;
import io.wanpipeline.archiver.download.VerifyingInputStream;
import io.wanpipeline.archiver.download.VideoDownloader;
import io.wanpipeline.archiver.link.LinkQueryPacer;
import io.wanpipeline.archiver.link.LinkResolver;
import io.wanpipeline.archiver.store.S3VideoStore;
import io.wanpipeline.events.ArchiveLocation;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.logging.RequestLogContext;
import io.wanpipeline.wan.ResultLink;
import io.wanpipeline.wan.retry.Backoff;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives one succeeded request: its video goes from the provider's signed link straight into S3
 * at a deterministic key, and the result is the request's terminal event, ARCHIVED or
 * ARCHIVE_FAILED.
 *
 * <p>Each attempt first looks at the key: an object of the same request is reused (a retry or a
 * second archiver uploads nothing again) with the SHA-256 recorded beside it; one without (an
 * attempt crashed between the upload and the checksum object) is hashed from S3 and the hash
 * recorded. Otherwise the link is streamed through a SHA-256 digest into a multipart upload that
 * carries the request and task ids, and the hash, known only at the end of the stream, is written
 * to the video's checksum object {@code <key>.sha256} ({@link S3VideoStore#putSha256}); the video
 * itself is written once and never copied. An expired link is refreshed once; transient failures
 * are retried with backoff until {@code max-attempts} or the task deadline; permanent ones end the
 * request at once. Attempts run on {@code workers}; retries are scheduled on {@code timer}, nothing
 * sleeps.
 *
 * <p>A query of the task for its link takes one from the account's link-query budget ({@code
 * AccountLimits.archiveRate()} times the fraction of task-status partitions this instance owns,
 * {@link LinkQueryPacer}) and keeps {@link #QUERY_SPACING} after the request's previous query and
 * after this archiver was last given partitions; an attempt that has to wait for either is deferred
 * without counting as an attempt.
 *
 * <p>Over 400 lines: one request's attempt cycle (reuse, link query, stream, checksum, retry) is
 * one state machine, its steps short methods in order.
 */
public final class VideoArchiver {
  private static final Logger log = LoggerFactory.getLogger(VideoArchiver.class);

  /**
   * The provider's politeness floor between two queries of one task. The archiver's query for a
   * fresh link follows the poller's last query (which produced the SUCCEEDED event) by at least
   * this much, so the pipeline as a whole never queries a task twice within 3 s.
   */
  public static final Duration QUERY_SPACING = Duration.ofSeconds(3);

  /**
   * Added to {@code archiver.download-timeout} to decide that a multipart upload is stale (left by
   * a crashed archiver) rather than a live racer's: no attempt lives longer than the timeout, and
   * this covers the checksum write after it and clock skew.
   */
  static final Duration STALE_SLACK = Duration.ofMinutes(1);

  /**
   * An attempt that would start with less time than this before the task deadline is not made: it
   * could not finish even a HEAD on a loaded machine, and would end the request with that HEAD's
   * timeout instead of the failure that used up the deadline.
   */
  static final Duration MIN_ATTEMPT_BUDGET = Duration.ofSeconds(1);

  private final ArchiveSettings settings;
  private final Clock clock;
  private final LinkResolver links;
  private final VideoDownloader downloader;
  private final S3VideoStore store;
  private final Backoff backoff;
  private final Executor workers;
  private final ScheduledExecutorService timer;
  private final LinkQueryPacer pacer;
  private final ArchiveMeters meters;
  private volatile Instant queriesHeldUntil = Instant.MIN;
  private volatile double ownedShare;

  /**
   * @param archiveRate each provider account's link-query reserve for all archiver instances
   *     together ({@code AccountLimits.archiveRate()}), by account name
   * @param meters records the bytes uploaded and the attempts retried
   */
  public VideoArchiver(
      ArchiveSettings settings,
      Clock clock,
      LinkResolver links,
      ToDoubleFunction<String> archiveRate,
      VideoDownloader downloader,
      S3VideoStore store,
      Backoff backoff,
      Executor workers,
      ScheduledExecutorService timer,
      ArchiveMeters meters) {
    this.settings = settings;
    this.clock = clock;
    this.links = links;
    this.downloader = downloader;
    this.store = store;
    this.backoff = backoff;
    this.workers = workers;
    this.timer = timer;
    this.meters = meters;
    this.pacer =
        new LinkQueryPacer(
            account -> {
              double rate = archiveRate.applyAsDouble(account) * ownedShare;
              return settings.queryRateCap().isPresent()
                  ? Math.min(rate, settings.queryRateCap().getAsDouble())
                  : rate;
            });
  }

  /**
   * Starts archiving {@code succeeded}. The future completes with the terminal event (never
   * exceptionally); cancelling it abandons the work (an upload in progress is aborted).
   */
  public CompletableFuture<TaskStatus> archive(TaskStatus succeeded) {
    Job job = new Job(succeeded);
    job.submit(firstAttemptDelay(succeeded, clock.instant()));
    return job.result;
  }

  /**
   * Called whenever this archiver's partitions change, at {@code at}: it now owns {@code owned} of
   * the {@code total} partitions of task-status, and spends that fraction of each account's
   * link-query reserve. When it was given partitions, no link query starts before {@link
   * #QUERY_SPACING} after {@code at}, because their previous owner (or this archiver, before a
   * revocation) may have queried the same tasks, and spent the same reserve, just before giving
   * them up.
   */
  public void partitionsOwned(int owned, int total, boolean assigned, Instant at) {
    ownedShare = total <= 0 ? 0 : Math.min(1.0, (double) owned / total);
    if (assigned) {
      Instant until = at.plus(QUERY_SPACING);
      if (until.isAfter(queriesHeldUntil)) {
        queriesHeldUntil = until;
      }
    }
  }

  /** How long a result link lives when the event does not say (the provider's 24 hours). */
  public static final Duration DEFAULT_LINK_LIFETIME = Duration.ofHours(24);

  /**
   * When {@code succeeded}'s result link expires: its {@code result_expires_at}, else the
   * provider's end time plus {@link #DEFAULT_LINK_LIFETIME}, else the event time plus it.
   */
  public static Instant linkExpiry(TaskStatus succeeded) {
    if (succeeded.getResultExpiresAt() != null) {
      return succeeded.getResultExpiresAt();
    }
    Instant end =
        succeeded.getProviderEndTime() != null
            ? succeeded.getProviderEndTime()
            : succeeded.getEventTime();
    return end.plus(DEFAULT_LINK_LIFETIME);
  }

  /** How long to wait so the first link query keeps {@link #QUERY_SPACING} after the last poll. */
  static Duration firstAttemptDelay(TaskStatus succeeded, Instant now) {
    Instant earliest = succeeded.getEventTime().plus(QUERY_SPACING);
    return now.isBefore(earliest) ? Duration.between(now, earliest) : Duration.ZERO;
  }

  /** The object key of {@code status}'s video. */
  public String keyOf(TaskStatus status) {
    Instant completed =
        status.getProviderEndTime() != null ? status.getProviderEndTime() : status.getEventTime();
    return ArchiveKeys.key(
        settings.keyPrefix(), status.getAccountId(), completed, status.getRequestId());
  }

  private final class Job {
    private final TaskStatus event;
    private final Instant deadline;
    private final CompletableFuture<TaskStatus> result = new CompletableFuture<>();
    private int attempts;
    private long streamMillis;
    private boolean linkRefreshed;
    private ResultLink link;
    private Instant lastQueryAt;
    // Whether this attempt holds a query permit, and whether it used it.
    private boolean querying;
    private boolean queried;
    private volatile InputStream current;
    private volatile ScheduledFuture<?> scheduled;
    private final Object runnerLock = new Object();
    private Thread runner;

    Job(TaskStatus event) {
      this.event = event;
      this.deadline = clock.instant().plus(settings.taskDeadline());
      result.whenComplete(
          (r, e) -> {
            if (result.isCancelled()) {
              abandon();
            }
          });
    }

    void submit(Duration delay) {
      if (result.isDone()) {
        return;
      }
      try {
        if (delay.isZero()) {
          workers.execute(this::run);
        } else {
          scheduled =
              timer.schedule(
                  () -> {
                    try {
                      workers.execute(this::run);
                    } catch (RejectedExecutionException e) {
                      result.cancel(false);
                    }
                  },
                  delay.toMillis(),
                  TimeUnit.MILLISECONDS);
        }
      } catch (RejectedExecutionException e) {
        // The archiver is shutting down; the request is redone by the partition's next owner.
        result.cancel(false);
      }
    }

    @SuppressWarnings("try") // the scope is the logging context of the body
    private void run() {
      synchronized (runnerLock) {
        if (result.isDone()) {
          return;
        }
        runner = Thread.currentThread();
      }
      try (var scope =
          RequestLogContext.of(
              event.getRequestId(), event.getTaskId(), event.getProviderAccount())) {
        runAttempt();
      } finally {
        synchronized (runnerLock) {
          runner = null;
          // An abandon() may have interrupted this thread; never leak that to the pool's next task.
          Thread.interrupted();
        }
      }
    }

    private void runAttempt() {
      attempts++;
      Instant attemptStart = clock.instant();
      streamMillis = -1;
      try {
        ArchiveLocation location = attempt();
        Instant now = clock.instant();
        complete(
            ArchiveEvents.archived(event, location, link == null ? null : link.redacted(), now));
        log.info(
            "Archived: requestId={}, taskId={}, uri={}, sizeBytes={}, attempts={}, attemptMs={},"
                + " streamMs={}",
            event.getRequestId(),
            event.getTaskId(),
            location.getUri(),
            location.getSizeBytes(),
            attempts,
            Duration.between(attemptStart, now).toMillis(),
            streamMillis);
      } catch (ArchiveException e) {
        onFailure(e);
      } catch (NotYet e) {
        // Waiting for the query budget or the 3 s spacing is not an attempt.
        attempts--;
        log.debug(
            "Link query deferred: requestId={}, taskId={}, delayMs={}",
            event.getRequestId(),
            event.getTaskId(),
            e.wait.toMillis());
        submit(e.wait);
      } catch (InterruptedException e) {
        // Abandoned (cancelled) or the pool is shutting down: the request is not answered here.
        result.cancel(false);
      } catch (RuntimeException e) {
        log.warn(
            "Unexpected archive error, retried: requestId={}, taskId={}, attempt={}",
            event.getRequestId(),
            event.getTaskId(),
            attempts,
            e);
        onFailure(
            ArchiveFailure.transientFailure(
                    ArchiveFailure.UPLOAD_FAILED,
                    "unexpected archiver error " + e.getClass().getSimpleName())
                .toException(e));
      }
    }

    private void onFailure(ArchiveException e) {
      if (result.isDone()) {
        return;
      }
      ArchiveFailure failure = e.failure();
      Instant now = clock.instant();
      switch (failure.kind()) {
        case EXPIRED_LINK -> {
          link = null;
          if (!linkRefreshed && now.isBefore(deadline)) {
            linkRefreshed = true;
            meters.retried(failure.code());
            log.debug(
                "Result link expired, querying the task for a fresh one: requestId={}, taskId={}",
                event.getRequestId(),
                event.getTaskId());
            submit(Duration.ZERO);
          } else {
            fail(
                ArchiveFailure.permanent(
                    ArchiveFailure.LINK_EXPIRED,
                    failure.message() + " (still expired after querying the task again)"),
                e);
          }
        }
        case PERMANENT -> fail(failure, e);
        case TRANSIENT -> {
          Duration delay = backoff.delay(attempts, failure.retryAfter());
          if (attempts >= settings.maxAttempts()) {
            fail(withSuffix(failure, " (gave up after " + attempts + " attempts)"), e);
          } else if (!now.plus(delay).isBefore(deadline)) {
            fail(
                withSuffix(
                    failure,
                    " (gave up after "
                        + attempts
                        + " attempts: task deadline "
                        + settings.taskDeadline()
                        + " reached)"),
                e);
          } else {
            log.debug(
                "Archive attempt failed, retrying: requestId={}, taskId={}, attempt={},"
                    + " delayMs={}, reason={}",
                event.getRequestId(),
                event.getTaskId(),
                attempts,
                delay.toMillis(),
                failure.message());
            meters.retried(failure.code());
            submit(delay);
          }
        }
      }
    }

    private void fail(ArchiveFailure failure, ArchiveException e) {
      complete(ArchiveEvents.failed(event, failure, clock.instant()));
      log.warn(
          "Archive failed: requestId={}, taskId={}, code={}, attempts={}, reason={}",
          event.getRequestId(),
          event.getTaskId(),
          failure.code(),
          attempts,
          failure.message());
      log.debug("Archive failure detail: requestId={}", event.getRequestId(), e);
    }

    private void complete(TaskStatus terminal) {
      result.complete(terminal);
    }

    private ArchiveLocation attempt() throws ArchiveException, InterruptedException, NotYet {
      if (link != null) {
        return attemptWithLink();
      }
      // The attempt will query the task: keep 3 s after this job's previous query, and take a
      // query from the account's budget (given back unused if the object is already stored).
      Instant now = clock.instant();
      Instant earliest = queriesHeldUntil;
      if (lastQueryAt != null && lastQueryAt.plus(QUERY_SPACING).isAfter(earliest)) {
        earliest = lastQueryAt.plus(QUERY_SPACING);
      }
      if (now.isBefore(earliest)) {
        throw new NotYet(Duration.between(now, earliest));
      }
      String account = event.getProviderAccount() == null ? "" : event.getProviderAccount();
      Optional<Duration> wait = pacer.tryStart(account, now);
      if (wait.isPresent()) {
        throw new NotYet(wait.get());
      }
      querying = true;
      queried = false;
      try {
        return attemptWithLink();
      } finally {
        querying = false;
        if (queried) {
          lastQueryAt = clock.instant();
          pacer.finish(account, lastQueryAt);
        } else {
          pacer.release(account);
        }
      }
    }

    private ArchiveLocation attemptWithLink() throws ArchiveException, InterruptedException {
      String requestId = require(event.getRequestId(), "request_id");
      String taskId = require(event.getTaskId(), "task_id");
      String key;
      try {
        key = keyOf(event);
      } catch (IllegalArgumentException e) {
        throw ArchiveFailure.permanent(ArchiveFailure.INVALID_EVENT, e.getMessage()).toException();
      }
      String bucket = settings.bucket();
      Duration budget = attemptBudget();
      String encodedRequest = ArchiveKeys.encode(requestId);

      Optional<ArchiveLocation> existing =
          existing(bucket, key, encodedRequest, budget, "already archived");
      if (existing.isPresent()) {
        return existing.get();
      }

      if (link == null) {
        if (!querying) {
          throw new IllegalStateException("a link query without a query permit");
        }
        queried = true;
        link = links.fresh(event);
      }
      Instant startedAt = clock.instant();
      // Uploads a crashed archiver left behind, aborted while this attempt downloads and uploads;
      // a live racer's (and this attempt's own) is younger than this cutoff.
      CompletableFuture<Void> staleSweep =
          store.startAbortingStaleUploads(
              bucket, key, startedAt.minus(settings.downloadTimeout()).minus(STALE_SLACK));
      try {
        return downloadAndUpload(bucket, key, encodedRequest, taskId, budget, startedAt);
      } finally {
        store.awaitSweep(staleSweep, bucket, key, budget);
      }
    }

    private ArchiveLocation downloadAndUpload(
        String bucket,
        String key,
        String encodedRequest,
        String taskId,
        Duration budget,
        Instant startedAt)
        throws ArchiveException, InterruptedException {
      try (VideoDownloader.Download download = downloader.open(link, budget)) {
        long announced = download.contentLength().orElse(-1);
        if (announced > settings.maxVideoBytes()) {
          throw ArchiveFailure.permanent(
                  ArchiveFailure.VIDEO_TOO_LARGE,
                  "the video has "
                      + announced
                      + " bytes, more than the limit of "
                      + settings.maxVideoBytes())
              .toException();
        }
        VerifyingInputStream body =
            new VerifyingInputStream(download.body(), announced, settings.maxVideoBytes());
        Instant streamStart = clock.instant();
        try {
          uploadWithin(bucket, key, body, metadata(encodedRequest, taskId), budget, startedAt);
          meters.uploaded(body.count());
          streamMillis = Duration.between(streamStart, clock.instant()).toMillis();
        } catch (ArchiveException e) {
          if (!ArchiveFailure.ALREADY_EXISTS.equals(e.failure().code())) {
            throw e;
          }
          // Another archiver finished the same key first: reuse its object if it is ours.
          return existing(bucket, key, encodedRequest, budget, "written by a racer")
              .orElseThrow(
                  () ->
                      ArchiveFailure.transientFailure(
                              ArchiveFailure.UPLOAD_FAILED,
                              "s3://" + bucket + "/" + key + " refused the write but is gone")
                          .toException(e));
        }
        // The upload recorded the hash in the checksum object.
        return ArchiveEvents.location(bucket, key, body.count(), body.sha256Hex());
      } catch (IOException e) {
        throw ArchiveFailure.transientFailure(
                ArchiveFailure.DOWNLOAD_FAILED, "closing the download failed")
            .toException(e);
      }
    }

    /**
     * The stored object at {@code key} as this request's location, empty when there is none;
     * KEY_CONFLICT when it is another request's. Its SHA-256 is the recorded one (the object's
     * metadata, written by earlier archivers, else its checksum object); without either, the object
     * is hashed from S3 and the hash recorded.
     */
    private Optional<ArchiveLocation> existing(
        String bucket, String key, String encodedRequest, Duration budget, String why)
        throws ArchiveException, InterruptedException {
      Optional<S3VideoStore.StoredVideo> found = store.head(bucket, key, budget);
      if (found.isEmpty()) {
        return Optional.empty();
      }
      S3VideoStore.StoredVideo stored = found.get();
      if (!encodedRequest.equals(stored.requestId().orElse(null))) {
        throw ArchiveFailure.permanent(
                ArchiveFailure.KEY_CONFLICT,
                "s3://" + bucket + "/" + key + " holds another request's object")
            .toException();
      }
      Optional<String> recorded = stored.sha256();
      if (recorded.isEmpty()) {
        recorded = store.recordedSha256(bucket, key, budget);
      }
      String sha;
      if (recorded.isPresent()) {
        sha = recorded.get();
      } else {
        sha = store.sha256Of(bucket, key, stored.size(), settings.maxVideoBytes(), budget);
        store.putSha256(bucket, key, sha, budget);
      }
      // With the object in place no upload of the key can complete: drop any left behind.
      store.abortIncompleteUploads(bucket, key, budget);
      log.debug(
          "Video already stored, reusing it: requestId={}, taskId={}, key={}, why={}",
          event.getRequestId(),
          event.getTaskId(),
          key,
          why);
      return Optional.of(ArchiveEvents.location(bucket, key, stored.size(), sha));
    }

    /** Uploads, closing the body if the attempt outlives its budget so that the upload aborts. */
    private void uploadWithin(
        String bucket,
        String key,
        VerifyingInputStream body,
        Map<String, String> metadata,
        Duration budget,
        Instant startedAt)
        throws ArchiveException, InterruptedException {
      current = body;
      AtomicBoolean timedOut = new AtomicBoolean();
      ScheduledFuture<?> watchdog =
          timer.schedule(
              () -> {
                timedOut.set(true);
                closeQuietly(body);
              },
              budget.toMillis(),
              TimeUnit.MILLISECONDS);
      try {
        store.upload(bucket, key, body, metadata, budget, startedAt);
      } catch (ArchiveException e) {
        if (timedOut.get()) {
          throw ArchiveFailure.transientFailure(
                  ArchiveFailure.DOWNLOAD_FAILED,
                  "the attempt did not finish within " + budget + " (" + body.count() + " bytes)")
              .toException(e);
        }
        throw e;
      } finally {
        watchdog.cancel(false);
        current = null;
      }
    }

    private Duration attemptBudget() throws ArchiveException {
      Duration remaining = Duration.between(clock.instant(), deadline);
      if (remaining.compareTo(MIN_ATTEMPT_BUDGET) < 0) {
        throw ArchiveFailure.transientFailure(
                ArchiveFailure.DOWNLOAD_FAILED,
                "task deadline " + settings.taskDeadline() + " reached")
            .toException();
      }
      return remaining.compareTo(settings.downloadTimeout()) < 0
          ? remaining
          : settings.downloadTimeout();
    }

    private void abandon() {
      ScheduledFuture<?> next = scheduled;
      if (next != null) {
        next.cancel(false);
      }
      InputStream in = current;
      if (in != null) {
        closeQuietly(in);
      }
      synchronized (runnerLock) {
        if (runner != null) {
          runner.interrupt();
        }
      }
      log.debug(
          "Archive abandoned: requestId={}, taskId={}", event.getRequestId(), event.getTaskId());
    }
  }

  private static Map<String, String> metadata(String encodedRequest, String taskId) {
    return Map.of(
        S3VideoStore.META_REQUEST_ID,
        encodedRequest,
        S3VideoStore.META_TASK_ID,
        ArchiveKeys.encode(taskId));
  }

  private static String require(String value, String field) throws ArchiveException {
    if (value == null || value.isBlank()) {
      throw ArchiveFailure.permanent(ArchiveFailure.INVALID_EVENT, "the event has no " + field)
          .toException();
    }
    return value;
  }

  private static ArchiveFailure withSuffix(ArchiveFailure f, String suffix) {
    return new ArchiveFailure(f.code(), f.message() + suffix, f.kind(), f.retryAfter());
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      log.debug("Ignored failure closing a download: {}", e.getClass().getSimpleName());
    }
  }

  /** An attempt that has to wait before it may query the task; not counted as an attempt. */
  private static final class NotYet extends Exception {
    private static final long serialVersionUID = 1L;
    private final Duration wait;

    NotYet(Duration wait) {
      super(null, null, false, false);
      this.wait = wait;
    }
  }
}
