package io.wanpipeline.schemas.serde;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams services' deserialization handler. A record that cannot be read (corrupt bytes,
 * a schema id the registry does not have, a schema that does not resolve) is logged, without its
 * content, and skipped, so a poison record never stops a service. But when the schema registry did
 * not answer (a network error, a timeout, 408, 429 or 5xx), the stream thread fails instead: it is
 * replaced and reads the record again from its last commit, because skipping there would silently
 * drop a good event (an unpolled task, an unbilled success) for as long as the registry is down.
 *
 * <p>A service that counts the skipped records passes a {@link Listener} in its Streams properties
 * under {@link #LISTENER_CONFIG}; this library stays free of any metrics library.
 */
public final class SkipUnreadableRecords implements DeserializationExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(SkipUnreadableRecords.class);

  /**
   * Streams property: a {@link Listener} told of every record skipped (optional; the object itself,
   * not a class name).
   */
  public static final String LISTENER_CONFIG = "wan.deserialization.skipped.listener";

  /** Told of every record skipped, on the stream thread; must return at once. */
  @FunctionalInterface
  public interface Listener {
    /** A record of {@code topic} was skipped. */
    void skipped(String topic);
  }

  private Listener listener = topic -> {};

  @Override
  public DeserializationHandlerResponse handle(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (SchemaRegistryException.unavailable(exception)) {
      log.warn(
          "Schema registry unavailable reading a record, failing the stream thread so it is read"
              + " again: topic={}, partition={}, offset={}, reason={}",
          record.topic(),
          record.partition(),
          record.offset(),
          exception.getMessage());
      return DeserializationHandlerResponse.FAIL;
    }
    log.warn(
        "Unreadable record skipped: topic={}, partition={}, offset={}, reason={}",
        record.topic(),
        record.partition(),
        record.offset(),
        exception.getMessage());
    listener.skipped(record.topic());
    return DeserializationHandlerResponse.CONTINUE;
  }

  /**
   * Takes the {@link Listener} under {@link #LISTENER_CONFIG}, if any.
   *
   * @throws ConfigException if that property is not a {@link Listener}
   */
  @Override
  public void configure(Map<String, ?> configs) {
    Object given = configs.get(LISTENER_CONFIG);
    if (given instanceof Listener l) {
      listener = l;
    } else if (given != null) {
      throw new ConfigException(
          LISTENER_CONFIG, given.getClass().getName(), "must be a SkipUnreadableRecords.Listener");
    }
  }
}
