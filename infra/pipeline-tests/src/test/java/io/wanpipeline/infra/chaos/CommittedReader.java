package io.wanpipeline.infra.chaos;

import io.wanpipeline.schemas.topics.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One topic read from the beginning with read_committed; each {@link #readToEnd} hands over what
 * was committed since the last call, up to the current end of every partition (tombstones skipped).
 */
final class CommittedReader<V> implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Topic<String, V> topic;
  private final List<TopicPartition> partitions;

  CommittedReader(String bootstrapServers, Topic<String, V> topic) {
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
