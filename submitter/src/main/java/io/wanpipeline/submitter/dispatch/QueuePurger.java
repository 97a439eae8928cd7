package io.wanpipeline.submitter.dispatch;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the {@code submission-queue} records below the dispatchers' committed offsets. The queue
 * is never deleted by time (a waiting request must not vanish), so its finished records are deleted
 * here instead, as Kafka Streams purges its repartition topics. A failed deletion is logged and
 * tried again at the next purge; it never stops the dispatcher.
 */
public final class QueuePurger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueuePurger.class);

  private final Admin admin;
  private final Map<TopicPartition, Long> purged = new ConcurrentHashMap<>();

  /** A purger that deletes through {@code admin}, which it closes. */
  public QueuePurger(Admin admin) {
    this.admin = admin;
  }

  /** Deletes, asynchronously, the records of each partition below its committed offset. */
  public void purge(Map<TopicPartition, OffsetAndMetadata> committed) {
    Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
    committed.forEach(
        (tp, offset) -> {
          if (offset != null && offset.offset() > purged.getOrDefault(tp, 0L)) {
            delete.put(tp, RecordsToDelete.beforeOffset(offset.offset()));
          }
        });
    if (delete.isEmpty()) {
      return;
    }
    admin
        .deleteRecords(delete)
        .lowWatermarks()
        .forEach(
            (tp, future) ->
                future.whenComplete(
                    (lowWatermark, error) -> {
                      if (error != null) {
                        log.warn(
                            "deleting finished queue records failed partition={} before={}: {}",
                            tp,
                            delete.get(tp).beforeOffset(),
                            error.toString());
                      } else {
                        purged.merge(tp, lowWatermark.lowWatermark(), Math::max);
                      }
                    }));
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(5));
  }
}
