package io.wanpipeline.schemas.serde;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams services' deserialization handler. A record that cannot be read (corrupt bytes,
 * a schema id the registry does not have, a schema that does not resolve) goes to the service's
 * dead-letter topic ({@value StreamsConfig#ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG}) and
 * processing resumes, so a poison record never stops a service and is never lost. Streams writes
 * the dead letter in the same transaction as the input's offset (KIP-1034), so it is written once.
 *
 * <p>When the schema registry did not answer (a network error, a timeout, 408, 429 or 5xx), the
 * stream thread fails instead and writes no dead letter: it is replaced and reads the record again
 * from its last commit, because the record is probably good and dead-lettering it would take a good
 * event (an unpolled task, an unbilled success) out of the pipeline while the registry is down.
 *
 * <p>A dead letter is the original key, value and headers plus Kafka Streams' error headers ({@code
 * __streams.errors.exception}, {@code .message}, {@code .stacktrace}, {@code .topic}, {@code
 * .partition}, {@code .offset}), the same as Kafka's own handlers write, so tools that read
 * Streams' dead letters read ours. One larger than {@link #MAX_DEAD_LETTER_BYTES} keeps only the
 * error headers and {@link #VALUE_DROPPED} (the original's size): the producer and the broker would
 * refuse it, and the original stays at its source offset.
 *
 * <p>A record of a global store or table is skipped instead (logged at ERROR and counted): Kafka
 * Streams cannot send dead letters from its global thread.
 *
 * <p>A service that counts unreadable records passes a {@link Listener} in its Streams properties
 * under {@link #LISTENER_CONFIG}; this library stays free of any metrics library.
 */
public final class DeadLetterUnreadableRecords implements DeserializationExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(DeadLetterUnreadableRecords.class);

  /**
   * Streams property: a {@link Listener} told of every unreadable record (optional; the object
   * itself, not a class name).
   */
  public static final String LISTENER_CONFIG = "wan.deserialization.dead-letter.listener";

  /**
   * The largest dead letter kept whole, in bytes of key, value and headers: half of the producer's
   * {@code max.request.size} and the broker's {@code message.max.bytes} (about 1 MiB each by
   * default), so the error headers always fit beside the original.
   */
  public static final int MAX_DEAD_LETTER_BYTES = 512 * 1024;

  /** Header of a dead letter written without the original: the original's size in bytes. */
  public static final String VALUE_DROPPED = "wan.dlq.value-dropped";

  /** Kafka Streams' dead-letter header: the exception's class name. */
  public static final String EXCEPTION = "__streams.errors.exception";

  /** Kafka Streams' dead-letter header: the exception's message. */
  public static final String MESSAGE = "__streams.errors.message";

  /** Kafka Streams' dead-letter header: the exception's stack trace. */
  public static final String STACKTRACE = "__streams.errors.stacktrace";

  /** Kafka Streams' dead-letter header: the topic the record was read from. */
  public static final String TOPIC = "__streams.errors.topic";

  /** Kafka Streams' dead-letter header: its partition, in decimal. */
  public static final String PARTITION = "__streams.errors.partition";

  /** Kafka Streams' dead-letter header: its offset, in decimal. */
  public static final String OFFSET = "__streams.errors.offset";

  /**
   * Told of every unreadable record dead-lettered or skipped, on the stream thread; must return at
   * once.
   */
  @FunctionalInterface
  public interface Listener {
    /** A record of {@code topic} could not be read and was dead-lettered (or, global, skipped). */
    void deadLettered(String topic);
  }

  private Listener listener = topic -> {};
  private String deadLetterTopic;

  /**
   * Sets {@code properties} up for this handler: the handler class, the dead-letter topic and the
   * listener.
   */
  public static void configure(Properties properties, String deadLetterTopic, Listener listener) {
    properties.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterUnreadableRecords.class.getName());
    properties.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, deadLetterTopic);
    properties.put(LISTENER_CONFIG, listener);
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (SchemaRegistryException.unavailable(exception)) {
      log.warn(
          "Schema registry unavailable reading a record, failing the stream thread so it is read"
              + " again: topic={}, partition={}, offset={}, reason={}",
          record.topic(),
          record.partition(),
          record.offset(),
          exception.getMessage());
      return Response.fail();
    }
    listener.deadLettered(record.topic());
    if (isGlobal(context)) {
      log.error(
          "Unreadable record of a global store skipped: Kafka Streams cannot dead-letter from a"
              + " global thread; it stays at its source: topic={}, partition={}, offset={},"
              + " reason={}",
          record.topic(),
          record.partition(),
          record.offset(),
          exception.getMessage());
      return Response.resume();
    }
    ProducerRecord<byte[], byte[]> deadLetter = deadLetter(record, exception);
    log.warn(
        "Unreadable record sent to {}{}: topic={}, partition={}, offset={}, reason={}",
        deadLetterTopic,
        deadLetter.headers().lastHeader(VALUE_DROPPED) == null ? "" : " without its value",
        record.topic(),
        record.partition(),
        record.offset(),
        exception.getMessage());
    return Response.resume(List.of(deadLetter));
  }

  /**
   * Whether the record was read by the global thread (a global store or table), whose tasks are
   * numbered -1: Kafka Streams sends dead letters only from stream tasks, and fails the global
   * thread on any it is given (4.4).
   */
  private static boolean isGlobal(ErrorHandlerContext context) {
    TaskId task = context.taskId();
    return task != null && task.subtopology() < 0;
  }

  /** The dead letter of {@code record}: the context's raw key and value are the record's. */
  private ProducerRecord<byte[], byte[]> deadLetter(
      ConsumerRecord<byte[], byte[]> record, Exception exception) {
    long size = length(record.key()) + length(record.value());
    for (Header h : record.headers()) {
      size += h.key().length() + length(h.value());
    }
    boolean whole = size <= MAX_DEAD_LETTER_BYTES;
    RecordHeaders headers = new RecordHeaders();
    if (whole) {
      record.headers().forEach(headers::add);
    } else {
      headers.add(VALUE_DROPPED, utf8(String.valueOf(size)));
    }
    StringWriter trace = new StringWriter();
    exception.printStackTrace(new PrintWriter(trace));
    headers.add(EXCEPTION, utf8(exception.getClass().getName()));
    headers.add(MESSAGE, exception.getMessage() == null ? null : utf8(exception.getMessage()));
    headers.add(STACKTRACE, utf8(trace.toString()));
    headers.add(TOPIC, utf8(record.topic()));
    headers.add(PARTITION, utf8(String.valueOf(record.partition())));
    headers.add(OFFSET, utf8(String.valueOf(record.offset())));
    return new ProducerRecord<>(
        deadLetterTopic,
        null,
        record.timestamp(),
        whole ? record.key() : null,
        whole ? record.value() : null,
        headers);
  }

  /**
   * Takes the dead-letter topic ({@value StreamsConfig#ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG},
   * required) and the {@link Listener} under {@link #LISTENER_CONFIG}, if any.
   *
   * @throws ConfigException if there is no dead-letter topic or the listener is not a {@link
   *     Listener}
   */
  @Override
  public void configure(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    if (!(topic instanceof String name) || name.isBlank()) {
      throw new ConfigException(
          StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
          topic,
          "DeadLetterUnreadableRecords needs the topic to send unreadable records to");
    }
    deadLetterTopic = name;
    Object given = configs.get(LISTENER_CONFIG);
    if (given instanceof Listener l) {
      listener = l;
    } else if (given != null) {
      throw new ConfigException(
          LISTENER_CONFIG,
          given.getClass().getName(),
          "must be a DeadLetterUnreadableRecords.Listener");
    }
  }

  private static long length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
