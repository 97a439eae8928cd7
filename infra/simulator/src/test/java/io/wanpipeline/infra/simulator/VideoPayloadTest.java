package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class VideoPayloadTest {

  @Test
  void eachTaskGetsDifferentBytesThatStartWithTheSampleMp4() throws Exception {
    VideoPayload a = new VideoPayload("task-a", null);
    VideoPayload b = new VideoPayload("task-b", null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    a.writeTo(out);

    byte[] bytes = out.toByteArray();
    assertThat((long) bytes.length).isEqualTo(a.length());
    assertThat(new String(bytes, 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
    assertThat(a.sha256()).isNotEqualTo(b.sha256()).isEqualTo(a.sha256());
    assertThat(a.sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
  }

  @Test
  void paddedPayloadHasExactlyTheRequestedSize() throws Exception {
    long size = 3L * 1024 * 1024 + 17;
    VideoPayload p = new VideoPayload("task-big", size);
    long[] counted = {0};
    p.writeTo(
        new OutputStream() {
          @Override
          public void write(int b) {
            counted[0]++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            counted[0] += len;
          }
        });
    assertThat(p.length()).isEqualTo(size);
    assertThat(counted[0]).isEqualTo(size);
  }

  @Test
  void payloadsBeyondFourGibibytesKeepTheirSize() {
    VideoPayload p = new VideoPayload("task-huge", 5L * 1024 * 1024 * 1024);
    assertThat(p.length()).isEqualTo(5L * 1024 * 1024 * 1024);
  }
}
