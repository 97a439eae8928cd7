package io.wanpipeline.archiver.archive;

import io.wanpipeline.events.ArchiveLocation;
import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import java.time.Instant;
import java.util.Set;

/**
 * The archiver's terminal events, built from the succeeded event they answer: everything is copied
 * (request, account, provider account, key ref, model, task, usage, metadata), then the state, the
 * event time and what the transition adds.
 */
public final class ArchiveEvents {
  /** Failure codes after which running the request again would not help. */
  private static final Set<String> NOT_RETRYABLE =
      Set.of(
          ArchiveFailure.VIDEO_TOO_LARGE,
          ArchiveFailure.KEY_CONFLICT,
          ArchiveFailure.NO_API_KEY,
          ArchiveFailure.INVALID_EVENT);

  private ArchiveEvents() {}

  /** ARCHIVED at {@code location}; {@code resultUrl} is the redacted link, or null to keep. */
  public static TaskStatus archived(
      TaskStatus succeeded, ArchiveLocation location, String resultUrl, Instant now) {
    TaskStatus.Builder b =
        TaskStatus.newBuilder(succeeded)
            .setState(TaskState.ARCHIVED)
            .setEventTime(now)
            .setArchive(location)
            .setError(null);
    if (resultUrl != null) {
      b.setResultUrl(resultUrl);
    }
    return b.build();
  }

  /**
   * ARCHIVE_FAILED with {@code failure}; {@code retryable} in the error says whether running the
   * request again (a new request id) could archive a video.
   */
  public static TaskStatus failed(TaskStatus succeeded, ArchiveFailure failure, Instant now) {
    return TaskStatus.newBuilder(succeeded)
        .setState(TaskState.ARCHIVE_FAILED)
        .setEventTime(now)
        .setArchive(null)
        .setError(
            ErrorInfo.newBuilder()
                .setCode(failure.code())
                .setMessage(failure.message())
                .setRetryable(!NOT_RETRYABLE.contains(failure.code()))
                .setStage(ErrorStage.ARCHIVE)
                .setField(null)
                .build())
        .build();
  }

  /** The location record of an object. */
  public static ArchiveLocation location(String bucket, String key, long size, String sha256) {
    return ArchiveLocation.newBuilder()
        .setBucket(bucket)
        .setKey(key)
        .setUri("s3://" + bucket + "/" + key)
        .setSizeBytes(size)
        .setSha256(sha256)
        .setContentType("video/mp4")
        .build();
  }
}
