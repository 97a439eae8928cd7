package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds the wan-prices topic from a price file: a price is written only if the topic has no value
 * for its key yet, so operators' updates win. Seeded prices are also written to the price-versions
 * topic directly, so the billing topology knows them before it processes its first status event.
 */
public final class PriceSeeder {
  private static final Logger log = LoggerFactory.getLogger(PriceSeeder.class);

  private final Map<String, Object> kafka;
  private final Clock clock;
  private final Duration timeout;

  /**
   * @param kafka Kafka client settings (at least {@code bootstrap.servers})
   * @param clock for the read deadline
   * @param timeout how long reading the topic and writing the prices may take
   */
  public PriceSeeder(Map<String, ?> kafka, Clock clock, Duration timeout) {
    this.kafka = Map.copyOf(kafka);
    this.clock = clock;
    this.timeout = timeout;
  }

  /**
   * What seeding did.
   *
   * @param written prices written because their key was absent
   * @param kept prices skipped because the topic already had their key
   */
  public record Result(int written, int kept) {}

  /** Writes each of {@code prices} whose key {@code wanPrices} does not have yet. */
  public Result seed(
      Topic<String, Price> wanPrices, Topic<String, Price> versions, List<Price> prices) {
    Instant deadline = clock.instant().plus(timeout);
    Set<String> present = presentKeys(wanPrices.name(), deadline);
    int written = 0;
    int kept = 0;
    Map<String, Object> producerProps = new HashMap<>(kafka);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "wan-pipeline-price-seeder");
    try (KafkaProducer<String, Price> producer =
        new KafkaProducer<>(
            producerProps,
            wanPrices.keySerde().serializer(),
            wanPrices.valueSerde().serializer())) {
      List<Future<RecordMetadata>> sends = new java.util.ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (Price price : prices) {
        PriceKey key = PriceKey.of(price);
        if (present.contains(key.topicKey())) {
          kept++;
          continue;
        }
        // A file may hold several versions of one key; all are new if the key was absent.
        seen.add(key.topicKey());
        sends.add(producer.send(new ProducerRecord<>(wanPrices.name(), key.topicKey(), price)));
        sends.add(
            producer.send(
                new ProducerRecord<>(
                    versions.name(), key.versionKey(price.getEffectiveFrom()), price)));
        written++;
      }
      producer.flush();
      for (Future<RecordMetadata> send : sends) {
        awaitSend(send, deadline);
      }
      log.info(
          "Prices seeded: topic={}, written={}, keptExisting={}, keys={}",
          wanPrices.name(),
          written,
          kept,
          seen.size());
    }
    return new Result(written, kept);
  }

  private Set<String> presentKeys(String topic, Instant deadline) {
    Map<String, Object> props = new HashMap<>(kafka);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "wan-pipeline-price-seeder-reader");
    Map<String, Boolean> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, remaining(deadline));
      List<TopicPartition> partitions =
          infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
      while (!caughtUp(consumer, end)) {
        if (!clock.instant().isBefore(deadline)) {
          throw new IllegalStateException("timed out reading topic " + topic + " to seed prices");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() != null) {
            latest.put(r.key(), r.value() != null);
          }
        }
      }
    }
    Set<String> present = new HashSet<>();
    latest.forEach(
        (k, live) -> {
          if (live) {
            present.add(k);
          }
        });
    return present;
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private Duration remaining(Instant deadline) {
    Duration left = Duration.between(clock.instant(), deadline);
    return left.isNegative() ? Duration.ZERO : left;
  }

  private void awaitSend(Future<RecordMetadata> send, Instant deadline) {
    try {
      send.get(Math.max(1, remaining(deadline).toMillis()), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot write a seed price: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out writing seed prices", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted writing seed prices", e);
    }
  }
}
