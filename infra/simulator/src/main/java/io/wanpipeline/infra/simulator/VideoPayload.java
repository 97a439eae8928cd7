package io.wanpipeline.infra.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The MP4 served for one task: the sample video followed by a top-level {@code free} box naming the
 * task (so every task's bytes and SHA-256 differ) and optional padding up to a requested size. The
 * padding is generated while streaming, never held in memory.
 */
final class VideoPayload {
  private static final int CHUNK = 64 * 1024;

  private final byte[] tag;
  private final long length;
  private final long boxSize;
  private final boolean largeBox;

  /**
   * @param taskId the task the bytes belong to
   * @param requestedBytes total size wanted, or null for the smallest payload
   */
  VideoPayload(String taskId, Long requestedBytes) {
    this.tag = ("wan-simulator task " + taskId).getBytes(StandardCharsets.US_ASCII);
    long base = SampleVideo.bytes().length;
    long minimal = base + 8 + tag.length;
    long total = requestedBytes == null ? minimal : Math.max(minimal, requestedBytes);
    this.boxSize = total - base;
    this.largeBox = boxSize > 0xFFFF_FFFFL; // needs the 64-bit largesize header
    this.length = total;
  }

  /** Total bytes, the value of {@code Content-Length}. */
  long length() {
    return length;
  }

  /** Writes the whole payload to {@code out}. */
  void writeTo(OutputStream out) throws IOException {
    out.write(SampleVideo.bytes());
    byte[] header = new byte[largeBox ? 16 : 8];
    if (largeBox) {
      putInt(header, 0, 1);
      putAscii(header, 4, "free");
      putLong(header, 8, boxSize);
    } else {
      putInt(header, 0, (int) boxSize);
      putAscii(header, 4, "free");
    }
    out.write(header);
    out.write(tag);
    long padding = boxSize - header.length - tag.length;
    byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(padding, 0))];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = (byte) ((i * 31 + 7) & 0xff);
    }
    while (padding > 0) {
      int n = (int) Math.min(chunk.length, padding);
      out.write(chunk, 0, n);
      padding -= n;
    }
  }

  /** SHA-256 of the payload as lower-case hex, computed by streaming it once. */
  String sha256() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (DigestOutputStream out =
          new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
        writeTo(out);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static void putLong(byte[] b, int at, long v) {
    putInt(b, at, (int) (v >>> 32));
    putInt(b, at + 4, (int) v);
  }

  private static void putAscii(byte[] b, int at, String s) {
    byte[] a = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(a, 0, b, at, a.length);
  }
}
