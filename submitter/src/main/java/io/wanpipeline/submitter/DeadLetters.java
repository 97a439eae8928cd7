package io.wanpipeline.submitter;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Builds dead-letter records: the original key and value bytes, the reason in headers. */
public final class DeadLetters {
  /** Header: a reason a person can act on. */
  public static final String REASON = "wan.dlq.reason";

  /** Header: the topic the record was read from. */
  public static final String SOURCE_TOPIC = "wan.dlq.source.topic";

  /** Header: its partition, in decimal. */
  public static final String SOURCE_PARTITION = "wan.dlq.source.partition";

  /** Header: its offset, in decimal. */
  public static final String SOURCE_OFFSET = "wan.dlq.source.offset";

  /** Header: the class name of the exception that made it unreadable. */
  public static final String EXCEPTION = "wan.dlq.exception";

  private DeadLetters() {}

  /** Header: set, to the original value's size in bytes, when the value was left out. */
  public static final String VALUE_DROPPED = "wan.dlq.value-dropped";

  /** The dead letter of {@code source} for {@code dlqTopic}, keeping its original headers. */
  static ProducerRecord<byte[], byte[]> of(
      String dlqTopic, ConsumerRecord<byte[], byte[]> source, String reason, Throwable cause) {
    return of(dlqTopic, source, reason, cause == null ? "none" : cause.getClass().getName());
  }

  /** As {@link #of(String, ConsumerRecord, String, Throwable)}, naming the exception's class. */
  static ProducerRecord<byte[], byte[]> of(
      String dlqTopic, ConsumerRecord<byte[], byte[]> source, String reason, String exception) {
    return new ProducerRecord<>(
        dlqTopic, null, source.key(), source.value(), headers(source, reason, exception));
  }

  /**
   * The dead letter of {@code source} without its value, for a value too large for the dead-letter
   * topic: the headers say why and how large it was, and the original stays at its source offset.
   */
  static ProducerRecord<byte[], byte[]> withoutValue(
      String dlqTopic, ConsumerRecord<byte[], byte[]> source, String reason, String exception) {
    RecordHeaders headers = headers(source, reason, exception);
    headers.add(
        VALUE_DROPPED, utf8(String.valueOf(source.value() == null ? 0 : source.value().length)));
    return new ProducerRecord<>(dlqTopic, null, source.key(), null, headers);
  }

  private static RecordHeaders headers(
      ConsumerRecord<byte[], byte[]> source, String reason, String exception) {
    RecordHeaders headers = new RecordHeaders();
    for (Header h : source.headers()) {
      headers.add(h);
    }
    headers.add(REASON, utf8(reason));
    headers.add(SOURCE_TOPIC, utf8(source.topic()));
    headers.add(SOURCE_PARTITION, utf8(String.valueOf(source.partition())));
    headers.add(SOURCE_OFFSET, utf8(String.valueOf(source.offset())));
    headers.add(EXCEPTION, utf8(exception));
    return headers;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
