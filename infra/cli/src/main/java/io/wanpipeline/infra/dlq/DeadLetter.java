package io.wanpipeline.infra.dlq;

import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
import io.wanpipeline.submitter.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One record of a dead-letter topic, read the same way whichever service wrote it: the submitter's
 * intake ({@code wan.dlq.*} headers) or a Kafka Streams service (Kafka Streams' {@code
 * __streams.errors.*} headers, KIP-1034).
 *
 * @param record the dead letter as read
 */
record DeadLetter(ConsumerRecord<byte[], byte[]> record) {

  /** Where it is: {@code topic/partition/offset}. */
  String position() {
    return record.topic() + "/" + record.partition() + "/" + record.offset();
  }

  Instant at() {
    return Instant.ofEpochMilli(record.timestamp());
  }

  /** Why it was dead-lettered: the intake's reason, or the Streams error message. */
  String reason() {
    return header(DeadLetters.REASON)
        .or(() -> header(DeadLetterUnreadableRecords.MESSAGE))
        .orElse("(no reason recorded)");
  }

  /** The class of the exception that made it unreadable, when recorded. */
  Optional<String> exception() {
    return header(DeadLetters.EXCEPTION).or(() -> header(DeadLetterUnreadableRecords.EXCEPTION));
  }

  /** The topic the original was read from. */
  Optional<String> sourceTopic() {
    return header(DeadLetters.SOURCE_TOPIC).or(() -> header(DeadLetterUnreadableRecords.TOPIC));
  }

  /** The original's partition. */
  Optional<Integer> sourcePartition() {
    return header(DeadLetters.SOURCE_PARTITION)
        .or(() -> header(DeadLetterUnreadableRecords.PARTITION))
        .map(Integer::valueOf);
  }

  /** The original's offset. */
  Optional<Long> sourceOffset() {
    return header(DeadLetters.SOURCE_OFFSET)
        .or(() -> header(DeadLetterUnreadableRecords.OFFSET))
        .map(Long::valueOf);
  }

  /**
   * True when the dead letter has no value because the original was too large for it: the original
   * is then only at its source offset, as long as that topic keeps it.
   */
  boolean valueDropped() {
    // The intake and the Streams services use the same header.
    return record.value() == null && header(DeadLetters.VALUE_DROPPED).isPresent();
  }

  /** The key as text (keys are strings in every pipeline topic), or empty. */
  String key() {
    return record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
  }

  /** The original value's size in bytes, when this dead letter holds it. */
  Optional<Integer> valueSize() {
    return Optional.ofNullable(record.value()).map(v -> v.length);
  }

  /**
   * The original's own headers: every header but the dead-letter ones (the intake's {@code
   * wan.dlq.*} and Kafka Streams' {@code __streams.errors.*}).
   */
  Headers originalHeaders() {
    Headers out = new org.apache.kafka.common.header.internals.RecordHeaders();
    for (Header h : record.headers()) {
      if (!h.key().startsWith("wan.dlq.") && !h.key().startsWith("__streams.errors.")) {
        out.add(h);
      }
    }
    return out;
  }

  private Optional<String> header(String name) {
    Header h = record.headers().lastHeader(name);
    return h == null || h.value() == null
        ? Optional.empty()
        : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
  }
}
