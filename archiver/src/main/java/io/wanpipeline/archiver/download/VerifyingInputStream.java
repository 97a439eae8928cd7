package io.wanpipeline.archiver.download;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Passes a download through while computing its SHA-256 and counting its bytes. It fails the read
 * (so the upload that consumes it fails and is aborted) when the stream grows past {@code
 * maxBytes}, or ends with a different length than the server announced.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final MessageDigest digest;
  private final long expectedLength;
  private final long maxBytes;
  private long count;
  private boolean ended;
  // The body returned its end (possibly after bytes this stream still had to return).
  private boolean bodyEnded;
  private String sha256Hex;
  private volatile IOException failure;

  /**
   * @param in the download body
   * @param expectedLength the announced Content-Length, or -1 when unknown
   * @param maxBytes the largest size accepted
   */
  public VerifyingInputStream(InputStream in, long expectedLength, long maxBytes) {
    super(in);
    this.expectedLength = expectedLength;
    this.maxBytes = maxBytes;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** The stream length differs from the announced Content-Length. */
  public static final class SizeMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    SizeMismatchException(String message) {
      super(message);
    }
  }

  /** The stream is longer than allowed. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  /**
   * Fills {@code b[off, off+len)} as far as the body goes: the upload's reader (the SDK's {@code
   * InputStreamConsumingPublisher}) allocates a fresh buffer for every read and copies a short one
   * again, so reads that returned whatever the last TLS record held left about one and a half times
   * the video as garbage.
   */
  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (failure != null) {
      throw failure;
    }
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (bodyEnded) {
      return end();
    }
    int filled = 0;
    while (filled < len) {
      int n;
      try {
        n = super.read(b, off + filled, len - filled);
      } catch (IOException e) {
        failure = e;
        throw e;
      }
      if (n < 0) {
        bodyEnded = true;
        return filled == 0 ? end() : filled;
      }
      passed(b, off + filled, n);
      filled += n;
    }
    return filled;
  }

  /**
   * Zero: the SDK sizes each read buffer by this estimate (at most 16 KiB), and the bytes the
   * current TLS record happens to hold would make it read in small pieces.
   */
  @Override
  public int available() {
    return 0;
  }

  private void passed(byte[] b, int off, int n) throws IOException {
    digest.update(b, off, n);
    count += n;
    if (count > maxBytes) {
      throw fail(new TooLargeException("video is larger than the limit of " + maxBytes + " bytes"));
    }
    if (expectedLength >= 0 && count > expectedLength) {
      throw fail(
          new SizeMismatchException(
              "download longer than its announced " + expectedLength + " bytes"));
    }
  }

  private int end() throws IOException {
    ended = true;
    if (expectedLength >= 0 && count != expectedLength) {
      throw fail(
          new SizeMismatchException(
              "download ended after " + count + " of " + expectedLength + " announced bytes"));
    }
    return -1;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buffer = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int readlimit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("mark/reset not supported");
  }

  private IOException fail(IOException e) {
    failure = e;
    return e;
  }

  /** The first failure this stream raised (its own checks or the body's), or null. */
  public IOException failure() {
    return failure;
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  /** The announced Content-Length, or -1 when unknown. */
  public long expectedLength() {
    return expectedLength;
  }

  /** True once the body ended and its length checked out. */
  public boolean complete() {
    return ended && failure == null;
  }

  /** The lower-case hex SHA-256 of the whole stream, once it is {@link #complete()}. */
  public synchronized String sha256Hex() {
    if (!complete()) {
      throw new IllegalStateException("the stream was not read to its end");
    }
    if (sha256Hex == null) {
      sha256Hex = HexFormat.of().formatHex(digest.digest());
    }
    return sha256Hex;
  }
}
