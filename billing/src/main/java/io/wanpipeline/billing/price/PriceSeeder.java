package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Prepares prices before billing starts processing.
 *
 * <ol>
 *   <li>Seeds the wan-prices topic from a price file: a price is written only if the topic has no
 *       value for its key yet, so operators' updates win.
 *   <li>Copies every current wan-prices value (and every seeded price) into the price-history
 *       topic, so the history holds them before the topology's global store is loaded: otherwise
 *       the first status events of a new application (or of a replay) could be processed before the
 *       topology itself has copied the prices over, and be flagged unpriced.
 * </ol>
 *
 * Both steps are idempotent: writing a version again writes the same key and value.
 */
public final class PriceSeeder {
  private static final Logger log = LoggerFactory.getLogger(PriceSeeder.class);

  private final Map<String, Object> kafka;
  private final Clock clock;
  private final Duration timeout;

  /**
   * @param kafka Kafka client settings (at least {@code bootstrap.servers})
   * @param clock for the deadline
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
   * @param written seed prices written because their key was absent
   * @param kept seed prices skipped because the topic already had their key
   * @param historyVersions versions written to the price history (current and seeded prices)
   */
  public record Result(int written, int kept, int historyVersions) {}

  /**
   * Seeds {@code wanPrices} with the {@code seed} prices whose key it lacks, and copies the current
   * prices into {@code history}.
   */
  public Result seed(
      Topic<String, Price> wanPrices, Topic<String, Price> history, List<Price> seed) {
    Instant deadline = clock.instant().plus(timeout);
    Map<String, Price> current = currentPrices(wanPrices, deadline);
    Map<String, Price> versions = new LinkedHashMap<>();
    current.values().forEach(p -> versions.put(versionKey(p), p));
    List<Price> toSeed = new ArrayList<>();
    int kept = 0;
    for (Price price : seed) {
      if (current.containsKey(PriceKey.of(price).topicKey())) {
        kept++;
      } else {
        toSeed.add(price);
        versions.putIfAbsent(versionKey(price), price);
      }
    }
    List<ProducerRecord<String, Price>> records = new ArrayList<>();
    for (Price price : toSeed) {
      records.add(new ProducerRecord<>(wanPrices.name(), PriceKey.of(price).topicKey(), price));
    }
    versions.forEach((key, price) -> records.add(new ProducerRecord<>(history.name(), key, price)));
    write(wanPrices, records, deadline);
    log.info(
        "Prices ready: topic={}, seeded={}, keptExisting={}, historyVersions={}",
        wanPrices.name(),
        toSeed.size(),
        kept,
        versions.size());
    return new Result(toSeed.size(), kept, versions.size());
  }

  /**
   * Writes every one of {@code prices} to {@code wanPrices}, replacing the current price of its key
   * (an operator's price update). Running billing instances copy each into the price history and
   * charge it to tasks completed at or after its {@code effective_from}.
   *
   * @return the number of prices written
   */
  public int publish(Topic<String, Price> wanPrices, List<Price> prices) {
    Instant deadline = clock.instant().plus(timeout);
    List<ProducerRecord<String, Price>> records = new ArrayList<>();
    for (Price price : prices) {
      records.add(new ProducerRecord<>(wanPrices.name(), PriceKey.of(price).topicKey(), price));
    }
    write(wanPrices, records, deadline);
    log.info("Prices published: topic={}, count={}", wanPrices.name(), records.size());
    return records.size();
  }

  /** Sends {@code records} (values in the price schema) and waits until each is acknowledged. */
  private void write(
      Topic<String, Price> schema, List<ProducerRecord<String, Price>> records, Instant deadline) {
    Map<String, Object> producerProps = new HashMap<>(kafka);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    producerProps.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "wan-pipeline-price-seeder");
    try (KafkaProducer<String, Price> producer =
        new KafkaProducer<>(
            producerProps, schema.keySerde().serializer(), schema.valueSerde().serializer())) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (ProducerRecord<String, Price> record : records) {
        sends.add(producer.send(record));
      }
      producer.flush();
      for (Future<RecordMetadata> send : sends) {
        awaitSend(send, deadline);
      }
    }
  }

  private static String versionKey(Price price) {
    return PriceKey.of(price).versionKey(price.getEffectiveFrom());
  }

  /** The latest live value of every key of the topic (tombstoned keys are absent). */
  private Map<String, Price> currentPrices(Topic<String, Price> topic, Instant deadline) {
    Map<String, Object> props = new HashMap<>(kafka);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "wan-pipeline-price-seeder-reader");
    Map<String, Price> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), remaining(deadline));
      List<TopicPartition> partitions =
          infos.stream().map(p -> new TopicPartition(topic.name(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
      while (!caughtUp(consumer, end)) {
        if (!clock.instant().isBefore(deadline)) {
          throw new IllegalStateException(
              "timed out reading topic " + topic.name() + " to seed prices");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() == null) {
            continue;
          }
          if (r.value() == null) {
            latest.remove(r.key());
            continue;
          }
          try {
            Price price = topic.value(r.value());
            if (price.getEffectiveFrom().toEpochMilli() < 0 || price.getMicrosPerSecond() < 0) {
              log.warn(
                  "Invalid price skipped: topic={}, partition={}, offset={}",
                  r.topic(),
                  r.partition(),
                  r.offset());
              continue;
            }
            latest.put(r.key(), price);
          } catch (RuntimeException e) {
            log.warn(
                "Unreadable price skipped: topic={}, partition={}, offset={}, reason={}",
                r.topic(),
                r.partition(),
                r.offset(),
                e.getMessage());
          }
        }
      }
    }
    return latest;
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
      throw new IllegalStateException("cannot write a price: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out writing prices", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted writing prices", e);
    }
  }
}
