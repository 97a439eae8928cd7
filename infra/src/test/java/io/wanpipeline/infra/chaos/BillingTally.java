package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what billing committed (read_committed, from the beginning): every {@code Charge} by
 * request_id, the last {@code AccountTotal} of each {@code account|day|currency} key of the
 * compacted {@code billing-totals}, and the requests flagged unpriced.
 */
final class BillingTally implements AutoCloseable {
  private final Reader<Charge> charges;
  private final Reader<AccountTotal> totals;
  private final Reader<TaskStatus> unpriced;
  private final Map<String, List<Charge>> chargesByRequest = new HashMap<>();
  private final Map<String, AccountTotal> lastTotals = new TreeMap<>();
  private final Map<String, Integer> unpricedRequests = new TreeMap<>();

  BillingTally(String bootstrapServers, Topics topics) {
    this.charges = new Reader<>(bootstrapServers, topics.billingCharges());
    this.totals = new Reader<>(bootstrapServers, topics.billingTotals());
    this.unpriced = new Reader<>(bootstrapServers, topics.billingUnpriced());
  }

  /** Reads what was committed since the last call, up to the current end of every partition. */
  synchronized BillingTally refresh() {
    charges.readToEnd(
        (key, c) ->
            chargesByRequest.computeIfAbsent(c.getRequestId(), k -> new ArrayList<>()).add(c));
    totals.readToEnd((key, t) -> lastTotals.put(key, t));
    unpriced.readToEnd((key, s) -> unpricedRequests.merge(s.getRequestId(), 1, Integer::sum));
    return this;
  }

  /** Every charge read, by request_id. */
  synchronized Map<String, List<Charge>> charges() {
    Map<String, List<Charge>> out = new TreeMap<>();
    chargesByRequest.forEach((id, list) -> out.put(id, List.copyOf(list)));
    return out;
  }

  /** The last total of each {@code account|day|currency} key. */
  synchronized Map<String, AccountTotal> totals() {
    return new TreeMap<>(lastTotals);
  }

  /** The sum of {@code task_count} over the last totals. */
  synchronized long countedTasks() {
    return lastTotals.values().stream().mapToLong(AccountTotal::getTaskCount).sum();
  }

  /** The requests flagged unpriced, with how often. */
  synchronized Map<String, Integer> unpriced() {
    return new TreeMap<>(unpricedRequests);
  }

  @Override
  public synchronized void close() {
    charges.close();
    totals.close();
    unpriced.close();
  }

  /** One topic read from the beginning with read_committed. */
  private static final class Reader<V> implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Topic<String, V> topic;
    private final List<TopicPartition> partitions;

    Reader(String bootstrapServers, Topic<String, V> topic) {
      Map<String, Object> props = new HashMap<>();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
      this.consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      this.topic = topic;
      this.partitions =
          consumer.partitionsFor(topic.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    }

    void readToEnd(BiConsumer<String, V> sink) {
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      int rounds = 0;
      while (!caughtUp(end) && rounds++ < 50) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() != null) {
            String key = r.key() == null ? null : topic.key(r.key());
            sink.accept(key, topic.value(r.value()));
          }
        }
      }
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
      return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
