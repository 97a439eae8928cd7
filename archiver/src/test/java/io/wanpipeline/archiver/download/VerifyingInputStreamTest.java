package io.wanpipeline.archiver.download;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VerifyingInputStreamTest {
  private final byte[] bytes = new byte[100_000];

  {
    new Random(3).nextBytes(bytes);
  }

  @Test
  void hashesAndCountsWhatPassesThrough() throws Exception {
    VerifyingInputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(bytes), bytes.length, 1 << 20);

    in.transferTo(OutputStream.nullOutputStream());

    assertThat(in.complete()).isTrue();
    assertThat(in.count()).isEqualTo(bytes.length);
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    assertThat(in.sha256Hex()).isEqualTo(expected);
    assertThat(in.sha256Hex()).as("asking twice gives the same hash").isEqualTo(expected);
  }

  @Test
  void fillsEachReadAcrossTheBodysShortReads() throws Exception {
    VerifyingInputStream in =
        new VerifyingInputStream(new TrickleInputStream(bytes, 7), bytes.length, 1 << 20);
    byte[] buffer = new byte[16_384];
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int full = 0;
    int n;
    while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
      out.write(buffer, 0, n);
      full += n == buffer.length ? 1 : 0;
    }

    assertThat(full)
        .as("every read but the last fills the buffer")
        .isEqualTo(bytes.length / 16_384);
    assertThat(out.toByteArray()).isEqualTo(bytes);
    assertThat(in.complete()).isTrue();
    assertThat(in.sha256Hex())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    assertThat(in.read(buffer, 0, buffer.length)).as("the end stays the end").isEqualTo(-1);
  }

  @Test
  void aShortBodyFailsOnlyAfterItsBytesWereReturned() throws Exception {
    VerifyingInputStream in =
        new VerifyingInputStream(new TrickleInputStream(bytes, 1_000), bytes.length + 1, 1 << 20);
    byte[] buffer = new byte[64 * 1024];

    assertThat(in.read(buffer, 0, buffer.length)).isEqualTo(buffer.length);
    assertThat(in.read(buffer, 0, buffer.length)).isEqualTo(bytes.length - buffer.length);
    assertThatThrownBy(() -> in.read(buffer, 0, buffer.length))
        .isInstanceOf(VerifyingInputStream.SizeMismatchException.class)
        .hasMessageContaining("100000 of 100001");
  }

  /** A body that returns at most {@code piece} bytes per read, as a socket does. */
  private static final class TrickleInputStream extends ByteArrayInputStream {
    private final int piece;

    TrickleInputStream(byte[] bytes, int piece) {
      super(bytes);
      this.piece = piece;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, piece));
    }
  }

  @Test
  void unknownLengthIsAccepted() throws Exception {
    VerifyingInputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(bytes), -1, 1 << 20);
    in.transferTo(OutputStream.nullOutputStream());
    assertThat(in.complete()).isTrue();
  }

  @Test
  void failsWhenTheBodyIsShorterThanAnnounced() {
    VerifyingInputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(bytes), bytes.length + 1, 1 << 20);

    assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
        .isInstanceOf(VerifyingInputStream.SizeMismatchException.class)
        .hasMessageContaining("100000 of 100001");
    assertThat(in.complete()).isFalse();
    assertThat(in.failure()).isInstanceOf(VerifyingInputStream.SizeMismatchException.class);
    assertThatThrownBy(in::sha256Hex).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void failsWhenTheBodyIsLongerThanAnnounced() {
    VerifyingInputStream in =
        new VerifyingInputStream(new ByteArrayInputStream(bytes), bytes.length - 1, 1 << 20);

    assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
        .isInstanceOf(VerifyingInputStream.SizeMismatchException.class);
  }

  @Test
  void failsPastTheSizeLimit() {
    VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(bytes), -1, 50_000);

    assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
        .isInstanceOf(VerifyingInputStream.TooLargeException.class);
    assertThat(in.count()).isLessThanOrEqualTo(50_000 + 8192 * 2);
  }

  @Test
  void remembersTheBodysOwnFailure() {
    VerifyingInputStream in =
        new VerifyingInputStream(
            new java.io.InputStream() {
              @Override
              public int read() throws IOException {
                throw new IOException("connection reset");
              }
            },
            10,
            100);

    assertThatThrownBy(in::read).hasMessage("connection reset");
    assertThat(in.failure()).hasMessage("connection reset");
  }
}
