package io.wanpipeline.submitter;

import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads partitions of the compacted submission ledger from the beginning to the last committed
 * entry (a {@code read_committed} consumer without a group).
 */
public final class LedgerReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LedgerReader.class);

  private final Consumer<byte[], byte[]> consumer;
  private final Topic<String, SubmissionLedgerEntry> topic;
  private final Duration timeout;
  private final Clock clock;

  /** A reader of {@code topic} through {@code consumer} (no group, read_committed). */
  public LedgerReader(
      Consumer<byte[], byte[]> consumer,
      Topic<String, SubmissionLedgerEntry> topic,
      Duration timeout,
      Clock clock) {
    this.consumer = consumer;
    this.topic = topic;
    this.timeout = timeout;
    this.clock = clock;
  }

  /** The latest entry of every request_id in each of {@code partitions}. */
  public Map<Integer, Map<String, SubmissionLedgerEntry>> load(Collection<Integer> partitions) {
    List<TopicPartition> tps =
        partitions.stream().map(p -> new TopicPartition(topic.name(), p)).toList();
    Map<Integer, Map<String, SubmissionLedgerEntry>> out = new HashMap<>();
    partitions.forEach(p -> out.put(p, new HashMap<>()));
    if (tps.isEmpty()) {
      return out;
    }
    consumer.assign(tps);
    try {
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
      Instant giveUpAt = clock.instant().plus(timeout);
      long count = 0;
      while (!reachedEnd(tps, end)) {
        if (clock.instant().isAfter(giveUpAt)) {
          throw new TransactionalWriter.Fatal(
              "cannot read the submission ledger " + tps + " to its end within " + timeout, null);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          String requestId = topic.key(r.key());
          Map<String, SubmissionLedgerEntry> entries = out.get(r.partition());
          if (r.value() == null) {
            entries.remove(requestId);
          } else {
            entries.put(requestId, topic.value(r.value()));
          }
          count++;
        }
      }
      log.info("loaded submission ledger partitions={} records={}", partitions, count);
      return out;
    } finally {
      consumer.assign(List.of());
    }
  }

  private boolean reachedEnd(List<TopicPartition> tps, Map<TopicPartition, Long> end) {
    for (TopicPartition tp : tps) {
      if (consumer.position(tp) < end.getOrDefault(tp, 0L)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
