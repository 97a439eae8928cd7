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
 * <p>A service that counts the skipped records puts a {@link Listener} in its Streams settings
 * under {@link #LISTENER_CONFIG}; Kafka Streams hands the settings, objects included, to every
 * handler it creates.
 */
public final class SkipUnreadableRecords implements DeserializationExceptionHandler {
  /**
   * Streams setting whose value, a {@link Listener} object (not a class name), is told of every
   * record skipped; optional.
   */
  public static final String LISTENER_CONFIG = "wan-pipeline.unreadable-records.listener";

  private static final Logger log = LoggerFactory.getLogger(SkipUnreadableRecords.class);
  private static final Listener NONE = topic -> {};

  private Listener listener = NONE;

  /** Told of each record skipped, on the stream thread that read it; must not block. */
  @FunctionalInterface
  public interface Listener {
    /** A record of {@code topic} could not be read and was skipped. */
    void skipped(String topic);
  }

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

  @Override
  public void configure(Map<String, ?> configs) {
    Object value = configs.get(LISTENER_CONFIG);
    if (value == null) {
      listener = NONE;
    } else if (value instanceof Listener l) {
      listener = l;
    } else {
      throw new ConfigException(
          LISTENER_CONFIG, value.getClass().getName(), "must be a SkipUnreadableRecords.Listener");
    }
  }
}
