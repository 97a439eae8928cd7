package io.wanpipeline.archiver.archive;

/** Unwinds an archive attempt with its classified {@link ArchiveFailure}. */
public final class ArchiveException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient ArchiveFailure failure;

  ArchiveException(ArchiveFailure failure, Throwable cause) {
    super(failure.code() + ": " + failure.message(), cause, false, true);
    this.failure = failure;
  }

  /** The classified failure. */
  public ArchiveFailure failure() {
    return failure;
  }
}
