package io.wanpipeline.archiver.archive;

import java.time.Duration;
import java.util.Objects;

/**
 * A classified archive failure, decided once at the boundary where it happened (link refresh,
 * download, S3).
 *
 * @param code the code that ends up in {@code ErrorInfo.code} if this failure is final
 * @param message a reason a person can act on; never a key or a signed query string
 * @param kind whether and how to retry
 * @param retryAfter the server's delay hint, or null
 */
public record ArchiveFailure(String code, String message, Kind kind, Duration retryAfter) {
  /** The provider no longer knows the task, or the link stayed expired after one refresh. */
  public static final String LINK_EXPIRED = "LINK_EXPIRED";

  /** Asking the provider for a fresh link failed. */
  public static final String LINK_REFRESH_FAILED = "LINK_REFRESH_FAILED";

  /**
   * The link (or a redirect from it) breaks the link policy: not https, userinfo, a host off the
   * allowlist, or an address that is private, loopback, link-local, metadata or otherwise special.
   */
  public static final String LINK_REFUSED = "LINK_REFUSED";

  /** The video could not be downloaded. */
  public static final String DOWNLOAD_FAILED = "DOWNLOAD_FAILED";

  /** The download ended with fewer or more bytes than its Content-Length. */
  public static final String SIZE_MISMATCH = "SIZE_MISMATCH";

  /** The video is larger than {@code archiver.max-video-bytes}. */
  public static final String VIDEO_TOO_LARGE = "VIDEO_TOO_LARGE";

  /** S3 refused or failed the upload. */
  public static final String UPLOAD_FAILED = "UPLOAD_FAILED";

  /** The object key holds another request's video. */
  public static final String KEY_CONFLICT = "KEY_CONFLICT";

  /**
   * The conditional upload ({@code If-None-Match: *}) found the key already written by another
   * archiver; the stored object is looked at again and reused if it is the same request's.
   */
  public static final String ALREADY_EXISTS = "ALREADY_EXISTS";

  /** The event names an API key (or provider account) that is not configured. */
  public static final String NO_API_KEY = "NO_API_KEY";

  /** The event lacks what archiving needs (task id, account). */
  public static final String INVALID_EVENT = "INVALID_EVENT";

  /** How a failure is handled. */
  public enum Kind {
    /** May succeed later: retried with backoff within the task deadline. */
    TRANSIENT,
    /** Will not succeed: ends the request at once. */
    PERMANENT,
    /** The signed link expired: refresh it once, then it is permanent. */
    EXPIRED_LINK
  }

  public ArchiveFailure {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(kind, "kind");
  }

  /** A transient failure. */
  public static ArchiveFailure transientFailure(String code, String message) {
    return new ArchiveFailure(code, message, Kind.TRANSIENT, null);
  }

  /** A permanent failure. */
  public static ArchiveFailure permanent(String code, String message) {
    return new ArchiveFailure(code, message, Kind.PERMANENT, null);
  }

  /** This failure as an exception to unwind an attempt with. */
  public ArchiveException toException() {
    return new ArchiveException(this, null);
  }

  /** This failure as an exception, keeping {@code cause} for the log. */
  public ArchiveException toException(Throwable cause) {
    return new ArchiveException(this, cause);
  }
}
