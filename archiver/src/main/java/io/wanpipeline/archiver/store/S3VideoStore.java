package io.wanpipeline.archiver.store;

import io.wanpipeline.archiver.archive.ArchiveException;
import io.wanpipeline.archiver.archive.ArchiveFailure;
import io.wanpipeline.archiver.download.VerifyingInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.BlockingInputStreamAsyncRequestBody;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The archive's view of S3: look an object up, stream an upload (the SDK's multipart client:
 * bounded memory, and on a failed body the multipart upload is aborted; of the download's announced
 * length when it has one, so that parts stream through instead of being buffered whole), record and
 * read a video's SHA-256 in its checksum object ({@code <key>.sha256}), and hash an object already
 * stored. Failures are classified here: network errors, throttling and 5xx are transient, other
 * answers permanent.
 *
 * <p>The SHA-256 is only known once the whole stream has passed, after the upload started, so it
 * cannot be the video's own metadata without rewriting the object (an in-place CopyObject, which
 * the SDK's multipart client turns into a multipart copy of every byte); a 64-byte object beside
 * the video records it instead.
 *
 * <p>Over 400 lines: one class per remote API (house style 13), each operation beside the
 * classification of its failures.
 */
public final class S3VideoStore {
  /** Content type of archived videos. */
  public static final String CONTENT_TYPE = "video/mp4";

  /**
   * User metadata ({@code x-amz-meta-sha256}): lower-case hex SHA-256 of the object, as archivers
   * before the checksum object recorded it; still read, no longer written.
   */
  public static final String META_SHA256 = "sha256";

  /**
   * Suffix of a video's checksum object: {@code <key>.sha256} holds one line in {@code sha256sum}
   * format: the lower-case hex SHA-256, two spaces, the video's file name, a newline.
   */
  public static final String SHA256_SUFFIX = ".sha256";

  /** Content type of checksum objects. */
  public static final String SHA256_CONTENT_TYPE = "text/plain; charset=utf-8";

  private static final Pattern SHA256_LINE =
      Pattern.compile("^([0-9a-f]{64})(?:\\s.*)?$", Pattern.DOTALL);

  /** User metadata ({@code x-amz-meta-request-id}): the request id, key-encoded. */
  public static final String META_REQUEST_ID = "request-id";

  /** User metadata ({@code x-amz-meta-task-id}): the provider task id, key-encoded. */
  public static final String META_TASK_ID = "task-id";

  /** The most bytes read from a checksum object. */
  private static final int MAX_SHA256_LINE = 1024;

  private static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  /** Tolerated difference between the archiver's clock and the S3 server's. */
  private static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(S3VideoStore.class);

  private final S3AsyncClient s3;

  public S3VideoStore(S3AsyncClient s3) {
    this.s3 = Objects.requireNonNull(s3, "s3");
  }

  /**
   * An object as stored.
   *
   * @param size its length in bytes
   * @param metadata its user metadata (keys without {@code x-amz-meta-}, lower case)
   */
  public record StoredVideo(long size, Map<String, String> metadata) {
    public StoredVideo {
      metadata = Map.copyOf(metadata);
    }

    /** The SHA-256 in the object's own metadata (written by earlier archivers), if any. */
    public Optional<String> sha256() {
      return Optional.ofNullable(metadata.get(META_SHA256)).filter(s -> !s.isBlank());
    }

    /** The recorded (encoded) request id, if any. */
    public Optional<String> requestId() {
      return Optional.ofNullable(metadata.get(META_REQUEST_ID));
    }
  }

  /** The object at {@code bucket/key}, or empty when there is none. */
  public Optional<StoredVideo> head(String bucket, String key, Duration timeout)
      throws ArchiveException, InterruptedException {
    try {
      HeadObjectResponse head =
          await(
              s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(key).build()),
              timeout,
              "HEAD");
      return Optional.of(new StoredVideo(head.contentLength(), head.metadata()));
    } catch (ArchiveException e) {
      if (notFound(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** True when {@code e} says the object does not exist (not the bucket). */
  private static boolean notFound(ArchiveException e) {
    return e.getCause() instanceof NoSuchKeyException
        || (e.getCause() instanceof SdkServiceException s
            && s.statusCode() == 404
            && !(e.getCause() instanceof NoSuchBucketException));
  }

  /**
   * Streams {@code body} to {@code bucket/key} until it ends, as a conditional write ({@code
   * If-None-Match: *}, on the single PUT and on the multipart completion): of two archivers racing
   * on one key, only the first to finish writes. A failure of the body (its own verification or the
   * download) fails the upload, and the multipart upload is aborted.
   *
   * <p>After a successful upload the body's SHA-256 is recorded in the checksum object ({@link
   * #putSha256}) while the key's other incomplete uploads are aborted (none of them can complete
   * any more): two round trips at once, not one after the other.
   *
   * @param startedAt when this attempt started (archiver clock); after a failure only the key's
   *     incomplete uploads initiated since then are aborted, not an older racer's
   * @throws ArchiveException ALREADY_EXISTS when the key was written first by someone else (412, or
   *     this upload was aborted by the writer, NoSuchUpload); the body's failure (SIZE_MISMATCH,
   *     VIDEO_TOO_LARGE, DOWNLOAD_FAILED) when it failed first; else UPLOAD_FAILED (the checksum
   *     object's write included: the next attempt then finds the video without it and hashes it
   *     from S3)
   */
  public void upload(
      String bucket,
      String key,
      VerifyingInputStream body,
      Map<String, String> metadata,
      Duration timeout,
      Instant startedAt)
      throws ArchiveException, InterruptedException {
    // With the announced length the SDK streams each part as it arrives; without it, it must
    // buffer every part whole before sending it.
    BlockingInputStreamAsyncRequestBody requestBody =
        AsyncRequestBody.forBlockingInputStream(
            body.expectedLength() >= 0 ? body.expectedLength() : null);
    CompletableFuture<PutObjectResponse> put =
        s3.putObject(
            PutObjectRequest.builder()
                .bucket(bucket)
                .key(key)
                .contentType(CONTENT_TYPE)
                .metadata(metadata)
                .ifNoneMatch("*")
                .build(),
            requestBody);
    RuntimeException writeFailure = null;
    try {
      requestBody.writeInputStream(body);
    } catch (RuntimeException e) {
      writeFailure = e;
      requestBody.cancel();
    }
    try {
      await(put, timeout, "upload");
    } catch (ArchiveException e) {
      awaitSweep(
          abortUploads(
              bucket,
              key,
              u -> u.initiated() == null || !u.initiated().isBefore(startedAt.minus(CLOCK_SKEW))),
          bucket,
          key,
          timeout);
      if (preconditionFailed(e) || uploadAbortedByAWinner(e)) {
        throw ArchiveFailure.permanent(
                ArchiveFailure.ALREADY_EXISTS,
                "s3://" + bucket + "/" + key + " was written by another archiver first")
            .toException(e.getCause());
      }
      throw bodyFailure(body).orElse(e);
    }
    if (writeFailure == null && !body.complete()) {
      // Given the length, the SDK reads exactly that many bytes; the end of the stream (and its
      // length check) is read here.
      endOfBody(body);
    }
    if (writeFailure != null || !body.complete()) {
      // The SDK reported success without consuming the whole body: never trust such an object.
      throw bodyFailure(body)
          .orElse(
              ArchiveFailure.transientFailure(
                      ArchiveFailure.UPLOAD_FAILED, "the upload ended before the download did")
                  .toException(writeFailure));
    }
    // The key now holds the object, so no other upload of it can ever complete (conditional
    // write): a crashed archiver's leftover or a racer still streaming is aborted now (the racer
    // then finds this object and reuses it), while the checksum object is written.
    CompletableFuture<Void> leftovers = abortUploads(bucket, key, u -> true);
    try {
      putSha256(bucket, key, body.sha256Hex(), timeout);
    } finally {
      awaitSweep(leftovers, bucket, key, timeout);
    }
  }

  /** Reads one more byte of {@code body}, which must be its end; a failure is the body's own. */
  private static void endOfBody(VerifyingInputStream body) {
    try {
      body.read();
    } catch (IOException e) {
      // Recorded as the body's failure.
    }
  }

  /**
   * True when the upload failed because its multipart upload was aborted under it ({@code
   * NoSuchUpload}): the winner of a race aborts the losers' uploads once it has written the key.
   */
  private static boolean uploadAbortedByAWinner(ArchiveException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof NoSuchUploadException
          || (t instanceof AwsServiceException a
              && a.awsErrorDetails() != null
              && "NoSuchUpload".equals(a.awsErrorDetails().errorCode()))) {
        return true;
      }
    }
    return false;
  }

  private static boolean preconditionFailed(ArchiveException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SdkServiceException s && s.statusCode() == 412) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts aborting the incomplete multipart uploads of {@code key} initiated before {@code
   * cutoff}: those a crashed (SIGKILLed) archiver left behind. The caller picks a cutoff older than
   * any live attempt can be, so a racing archiver's upload is never aborted, and can run its own
   * upload meanwhile. Best effort: the future never fails; await it with {@link #awaitSweep}.
   */
  public CompletableFuture<Void> startAbortingStaleUploads(
      String bucket, String key, Instant cutoff) {
    return abortUploads(bucket, key, u -> u.initiated() != null && u.initiated().isBefore(cutoff));
  }

  /**
   * Aborts the incomplete multipart uploads of {@code key} initiated before {@code cutoff}, as
   * {@link #startAbortingStaleUploads}, and waits at most {@code timeout} for it.
   */
  public void abortStaleUploads(String bucket, String key, Instant cutoff, Duration timeout)
      throws InterruptedException {
    awaitSweep(startAbortingStaleUploads(bucket, key, cutoff), bucket, key, timeout);
  }

  /**
   * Aborts every incomplete multipart upload of {@code key}: the SDK's multipart client does not
   * abort an upload whose body fails while CreateMultipartUpload is still in flight (seen with SDK
   * 2.55.16 and s3proxy 4.1.0), and a crashed process leaves its upload behind. Best effort: a
   * failure here is logged and ignored (a bucket lifecycle rule that aborts incomplete uploads is
   * the backstop).
   */
  public void abortIncompleteUploads(String bucket, String key, Duration timeout)
      throws InterruptedException {
    awaitSweep(abortUploads(bucket, key, u -> true), bucket, key, timeout);
  }

  /**
   * Waits at most {@code timeout} for a sweep of {@code key}'s incomplete uploads; one that takes
   * longer is cancelled and left to the next attempt (or the bucket's lifecycle rule).
   */
  public void awaitSweep(CompletableFuture<Void> sweep, String bucket, String key, Duration timeout)
      throws InterruptedException {
    try {
      sweep.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      sweep.cancel(true);
      log.debug(
          "Incomplete uploads not aborted in time: bucket={}, key={}, timeout={}",
          bucket,
          key,
          timeout);
    } catch (ExecutionException e) {
      // abortUploads never completes exceptionally; nothing to report twice.
    } catch (InterruptedException e) {
      sweep.cancel(true);
      throw e;
    }
  }

  /** Lists {@code key}'s incomplete uploads and aborts those {@code which} selects; never fails. */
  private CompletableFuture<Void> abortUploads(
      String bucket, String key, Predicate<MultipartUpload> which) {
    CompletableFuture<ListMultipartUploadsResponse> listed;
    try {
      listed = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(key));
    } catch (RuntimeException e) {
      listed = CompletableFuture.failedFuture(e);
    }
    return listed
        .thenCompose(
            uploads ->
                CompletableFuture.allOf(
                    uploads.uploads().stream()
                        .filter(u -> key.equals(u.key()) && which.test(u))
                        .map(u -> abort(bucket, key, u))
                        .toArray(CompletableFuture[]::new)))
        .exceptionally(
            e -> {
              log.debug(
                  "Could not abort incomplete uploads: bucket={}, key={}, reason={}",
                  bucket,
                  key,
                  classify(e, "abort incomplete uploads").getMessage());
              return null;
            });
  }

  private CompletableFuture<Void> abort(String bucket, String key, MultipartUpload upload) {
    return s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(upload.uploadId()))
        .thenRun(
            () ->
                log.debug(
                    "Incomplete multipart upload aborted: bucket={}, key={}, initiated={}",
                    bucket,
                    key,
                    upload.initiated()));
  }

  /** The key of {@code key}'s checksum object. */
  public static String sha256Key(String key) {
    return key + SHA256_SUFFIX;
  }

  /**
   * Records {@code sha256Hex} as the SHA-256 of {@code bucket/key} in its checksum object ({@link
   * #sha256Key}). An unconditional write: every writer records the hash of the same stored bytes.
   */
  public void putSha256(String bucket, String key, String sha256Hex, Duration timeout)
      throws ArchiveException, InterruptedException {
    if (!SHA256_LINE.matcher(sha256Hex).matches()) {
      throw new IllegalArgumentException("not a lower-case hex SHA-256: " + sha256Hex);
    }
    String line = sha256Hex + "  " + key.substring(key.lastIndexOf('/') + 1) + "\n";
    await(
        s3.putObject(
            PutObjectRequest.builder()
                .bucket(bucket)
                .key(sha256Key(key))
                .contentType(SHA256_CONTENT_TYPE)
                .build(),
            AsyncRequestBody.fromString(line, StandardCharsets.UTF_8)),
        timeout,
        "checksum PUT");
  }

  /**
   * The SHA-256 recorded in {@code bucket/key}'s checksum object; empty when there is none or it
   * does not hold one.
   */
  public Optional<String> recordedSha256(String bucket, String key, Duration timeout)
      throws ArchiveException, InterruptedException {
    byte[] bytes;
    try {
      // An explicit range keeps the multipart client from a part-numbered GET, which s3proxy lacks.
      bytes =
          await(
                  s3.getObject(
                      GetObjectRequest.builder()
                          .bucket(bucket)
                          .key(sha256Key(key))
                          .range("bytes=0-" + (MAX_SHA256_LINE - 1))
                          .build(),
                      AsyncResponseTransformer.toBytes()),
                  timeout,
                  "checksum GET")
              .asByteArray();
    } catch (ArchiveException e) {
      if (notFound(e)) {
        return Optional.empty();
      }
      throw e;
    }
    Matcher m = SHA256_LINE.matcher(new String(bytes, StandardCharsets.UTF_8));
    if (!m.matches()) {
      log.debug("Checksum object without a SHA-256 ignored: bucket={}, key={}", bucket, key);
      return Optional.empty();
    }
    return Optional.of(m.group(1));
  }

  /**
   * Reads a stored object back and returns its verified SHA-256 (for an object uploaded by an
   * attempt that crashed before recording its hash).
   */
  public String sha256Of(String bucket, String key, long size, long maxBytes, Duration timeout)
      throws ArchiveException, InterruptedException {
    if (size == 0) {
      return EMPTY_SHA256;
    }
    // An explicit range keeps the multipart client from a part-numbered GET, which s3proxy lacks.
    ResponseInputStream<GetObjectResponse> in =
        await(
            s3.getObject(
                GetObjectRequest.builder().bucket(bucket).key(key).range("bytes=0-").build(),
                AsyncResponseTransformer.toBlockingInputStream()),
            timeout,
            "GET");
    try (VerifyingInputStream verifying = new VerifyingInputStream(in, size, maxBytes)) {
      verifying.transferTo(OutputStream.nullOutputStream());
      return verifying.sha256Hex();
    } catch (IOException e) {
      throw ArchiveFailure.transientFailure(
              ArchiveFailure.UPLOAD_FAILED,
              "cannot read back s3://" + bucket + "/" + key + ": " + e.getMessage())
          .toException(e);
    }
  }

  /** Creates {@code bucket} if it does not exist. */
  public void ensureBucket(String bucket, Duration timeout)
      throws ArchiveException, InterruptedException {
    try {
      await(s3.headBucket(b -> b.bucket(bucket)), timeout, "HEAD bucket");
      return;
    } catch (ArchiveException e) {
      if (!(e.getCause() instanceof SdkServiceException s && s.statusCode() == 404)) {
        throw e;
      }
    }
    try {
      await(s3.createBucket(b -> b.bucket(bucket)), timeout, "create bucket");
      log.info("Bucket created: bucket={}", bucket);
    } catch (ArchiveException e) {
      if (!(e.getCause() instanceof BucketAlreadyOwnedByYouException)) {
        throw e;
      }
    }
  }

  private static Optional<ArchiveException> bodyFailure(VerifyingInputStream body) {
    IOException failure = body.failure();
    if (failure == null) {
      return Optional.empty();
    }
    if (failure instanceof VerifyingInputStream.SizeMismatchException) {
      return Optional.of(
          ArchiveFailure.transientFailure(ArchiveFailure.SIZE_MISMATCH, failure.getMessage())
              .toException(failure));
    }
    if (failure instanceof VerifyingInputStream.TooLargeException) {
      return Optional.of(
          ArchiveFailure.permanent(ArchiveFailure.VIDEO_TOO_LARGE, failure.getMessage())
              .toException(failure));
    }
    return Optional.of(
        ArchiveFailure.transientFailure(
                ArchiveFailure.DOWNLOAD_FAILED,
                "the download broke off after "
                    + body.count()
                    + " bytes: "
                    + failure.getClass().getSimpleName())
            .toException(failure));
  }

  private static <T> T await(CompletableFuture<T> future, Duration timeout, String operation)
      throws ArchiveException, InterruptedException {
    try {
      return future.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw ArchiveFailure.transientFailure(
              ArchiveFailure.UPLOAD_FAILED, "S3 " + operation + " timed out after " + timeout)
          .toException(e);
    } catch (InterruptedException e) {
      future.cancel(true);
      throw e;
    } catch (ExecutionException | CompletionException e) {
      throw classify(e.getCause() == null ? e : e.getCause(), operation);
    }
  }

  private static ArchiveException classify(Throwable t, String operation) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof SdkServiceException service) {
      int status = service.statusCode();
      String message =
          "S3 " + operation + " failed: HTTP " + status + " " + service.getClass().getSimpleName();
      boolean transientFailure =
          status >= 500 || status == 429 || status == 408 || service.isThrottlingException();
      return (transientFailure
              ? ArchiveFailure.transientFailure(ArchiveFailure.UPLOAD_FAILED, message)
              : ArchiveFailure.permanent(ArchiveFailure.UPLOAD_FAILED, message))
          .toException(service);
    }
    String message =
        "S3 "
            + operation
            + " failed: "
            + cause.getClass().getSimpleName()
            + (cause instanceof SdkClientException ? ": " + cause.getMessage() : "");
    return ArchiveFailure.transientFailure(ArchiveFailure.UPLOAD_FAILED, message)
        .toException(cause);
  }
}
