package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  private static String header(org.apache.kafka.common.header.Headers h, String name) {
    return new String(h.lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void keepsOriginalBytesAndNamesTheSource() {
    byte[] key = "r1".getBytes(StandardCharsets.UTF_8);
    byte[] value = {1, 2, 3};
    ConsumerRecord<byte[], byte[]> source =
        new ConsumerRecord<>("video-requests", 4, 17L, key, value);
    source.headers().add("trace", "t".getBytes(StandardCharsets.UTF_8));
    var dlq =
        DeadLetters.of(
            "video-requests-dlq", source, "cannot read", new SerializationException("bad"));
    assertThat(dlq.topic()).isEqualTo("video-requests-dlq");
    assertThat(dlq.key()).isEqualTo(key);
    assertThat(dlq.value()).isEqualTo(value);
    assertThat(header(dlq.headers(), DeadLetters.REASON)).isEqualTo("cannot read");
    assertThat(header(dlq.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo("video-requests");
    assertThat(header(dlq.headers(), DeadLetters.SOURCE_PARTITION)).isEqualTo("4");
    assertThat(header(dlq.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("17");
    assertThat(header(dlq.headers(), DeadLetters.EXCEPTION))
        .isEqualTo(SerializationException.class.getName());
    assertThat(header(dlq.headers(), "trace")).isEqualTo("t");
  }

  @Test
  void aDeadLetterWithoutItsValueSaysHowLargeItWasAndWhy() {
    byte[] key = "r2".getBytes(StandardCharsets.UTF_8);
    ConsumerRecord<byte[], byte[]> source =
        new ConsumerRecord<>("video-requests", 1, 9L, key, new byte[1000]);
    var dlq =
        DeadLetters.withoutValue(
            "video-requests-dlq",
            source,
            "an output to topic q cannot be written",
            "org.apache.kafka.common.errors.RecordTooLargeException");
    assertThat(dlq.key()).isEqualTo(key);
    assertThat(dlq.value()).isNull();
    assertThat(header(dlq.headers(), DeadLetters.VALUE_DROPPED)).isEqualTo("1000");
    assertThat(header(dlq.headers(), DeadLetters.REASON))
        .isEqualTo("an output to topic q cannot be written");
    assertThat(header(dlq.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("9");
    assertThat(header(dlq.headers(), DeadLetters.EXCEPTION))
        .isEqualTo("org.apache.kafka.common.errors.RecordTooLargeException");
  }
}
