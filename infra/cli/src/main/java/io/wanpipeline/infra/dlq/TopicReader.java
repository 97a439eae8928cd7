package io.wanpipeline.infra.dlq;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads records of a topic by position, without a consumer group (nothing is committed, no other
 * reader is disturbed), committed records only.
 */
final class TopicReader implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final KafkaConsumer<byte[], byte[]> consumer;

  /** A reader with the client settings {@code clientConfig} (bootstrap servers, security). */
  TopicReader(Map<String, Object> clientConfig) {
    Map<String, Object> props = new HashMap<>(clientConfig);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * The last {@code perPartition} records of every partition of {@code topic} (every record when
   * {@code perPartition} is {@link Integer#MAX_VALUE}), by partition, then offset.
   */
  List<ConsumerRecord<byte[], byte[]>> latest(String topic, int perPartition) {
    List<TopicPartition> tps = partitions(topic);
    consumer.assign(tps);
    Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps, TIMEOUT);
    Map<TopicPartition, Long> end = consumer.endOffsets(tps, TIMEOUT);
    for (TopicPartition tp : tps) {
      consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - perPartition));
    }
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    Instant giveUp = Instant.now().plus(TIMEOUT);
    while (!reached(tps, end)) {
      if (Instant.now().isAfter(giveUp)) {
        throw new IllegalStateException("could not read " + topic + " to its end in " + TIMEOUT);
      }
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    out.removeIf(r -> r.offset() >= end.get(new TopicPartition(r.topic(), r.partition())));
    out.sort(
        (a, b) ->
            a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
    return out;
  }

  /** The record of {@code topic} at {@code partition} and {@code offset}, if it is still kept. */
  Optional<ConsumerRecord<byte[], byte[]>> at(String topic, int partition, long offset) {
    TopicPartition tp = new TopicPartition(topic, partition);
    consumer.assign(List.of(tp));
    long begin = consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
    long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
    if (offset < begin || offset >= end) {
      return Optional.empty();
    }
    consumer.seek(tp, offset);
    Instant giveUp = Instant.now().plus(TIMEOUT);
    while (consumer.position(tp) <= offset && Instant.now().isBefore(giveUp)) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.offset() == offset) {
          return Optional.of(r);
        }
      }
    }
    return Optional.empty(); // a transaction marker or an aborted record is at that offset
  }

  private List<TopicPartition> partitions(String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException("topic " + topic + " does not exist");
    }
    return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
  }

  private boolean reached(List<TopicPartition> tps, Map<TopicPartition, Long> end) {
    for (TopicPartition tp : tps) {
      if (consumer.position(tp) < end.get(tp)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
