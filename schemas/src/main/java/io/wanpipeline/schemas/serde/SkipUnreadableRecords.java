package io.wanpipeline.schemas.serde;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 */
public final class SkipUnreadableRecords implements DeserializationExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(SkipUnreadableRecords.class);

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
    return DeserializationHandlerResponse.CONTINUE;
  }

  @Override
  public void configure(Map<String, ?> configs) {}
}
