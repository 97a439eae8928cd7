package io.wanpipeline.infra.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBroker.class)
class KafkaBrokerIT {

  @Test
  void deliversProducedRecordsToAConsumerGroupInOrder(KafkaBroker.Info kafka) throws Exception {
    String topic = kafka.uniqueName("round-trip");
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    }
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<String, String> producer = producer(kafka, Map.of())) {
      for (int i = 0; i < 300; i++) {
        sent.add(producer.send(new ProducerRecord<>(topic, "key-" + (i % 7), "value-" + i)));
      }
    }
    for (Future<RecordMetadata> send : sent) {
      send.get(); // a failed send fails here, with the producer's own error
    }

    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        consumer(kafka, kafka.uniqueName("group"), "read_uncommitted")) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                assertThat(received.size())
                    .as(
                        () ->
                            "records read; assigned "
                                + consumer.assignment()
                                + ", read per partition "
                                + received.stream()
                                    .collect(
                                        Collectors.groupingBy(
                                            ConsumerRecord::partition, Collectors.counting())))
                    .isEqualTo(300);
              });
    }
    assertThat(received.stream().map(ConsumerRecord::partition).distinct())
        .as("records spread over the topic's partitions")
        .hasSize(3);
    assertThat(
            received.stream()
                .filter(r -> r.key().equals("key-3"))
                .map(r -> Integer.parseInt(r.value().substring("value-".length())))
                .toList())
        .as("one key's records arrive in the order they were produced")
        .isSorted()
        .hasSize(43);
  }

  @Test
  void runsAnExactlyOnceV2StreamsAppWhoseCommittedOutputIsVisible(
      KafkaBroker.Info kafka, @TempDir Path stateDir) throws Exception {
    String input = kafka.uniqueName("eos-in");
    String upper = kafka.uniqueName("eos-upper");
    String counts = kafka.uniqueName("eos-counts");
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(input, 2, (short) 1),
                  new NewTopic(upper, 2, (short) 1),
                  new NewTopic(counts, 2, (short) 1)))
          .all()
          .get();
    }
    StreamsBuilder builder = new StreamsBuilder();
    var words = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()));
    words
        .mapValues(v -> v.toUpperCase(java.util.Locale.ROOT))
        .to(upper, Produced.with(Serdes.String(), Serdes.String()));
    words.groupByKey().count().toStream().to(counts, Produced.with(Serdes.String(), Serdes.Long()));
    Properties config = new Properties();
    config.putAll(kafka.clientConfig());
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, kafka.uniqueName("eos-app"));
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);

    try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
      streams.start();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> streams.state() == KafkaStreams.State.RUNNING);
      try (KafkaProducer<String, String> producer = producer(kafka, Map.of())) {
        IntStream.range(0, 200)
            .forEach(i -> producer.send(new ProducerRecord<>(input, "k" + (i % 4), "word-" + i)));
      }

      List<ConsumerRecord<String, String>> upperCased = new ArrayList<>();
      Map<String, Long> latestCounts = new HashMap<>();
      try (KafkaConsumer<String, String> readUpper =
              consumer(kafka, kafka.uniqueName("check-upper"), "read_committed");
          KafkaConsumer<String, Long> readCounts =
              new KafkaConsumer<>(
                  consumerConfig(kafka, kafka.uniqueName("check-counts"), "read_committed"),
                  new StringDeserializer(),
                  new LongDeserializer())) {
        readUpper.subscribe(List.of(upper));
        readCounts.subscribe(List.of(counts));
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () -> {
                  readUpper.poll(Duration.ofMillis(100)).forEach(upperCased::add);
                  readCounts
                      .poll(Duration.ofMillis(100))
                      .forEach(r -> latestCounts.put(r.key(), r.value()));
                  assertThat(upperCased).hasSize(200);
                  assertThat(latestCounts)
                      .containsExactlyInAnyOrderEntriesOf(
                          Map.of("k0", 50L, "k1", 50L, "k2", 50L, "k3", 50L));
                });
      }
      assertThat(upperCased).allMatch(r -> r.value().startsWith("WORD-"));
    }
  }

  private static KafkaProducer<String, String> producer(
      KafkaBroker.Info kafka, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.putAll(extra);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(
      KafkaBroker.Info kafka, String group, String isolation) {
    return new KafkaConsumer<>(
        consumerConfig(kafka, group, isolation),
        new StringDeserializer(),
        new StringDeserializer());
  }

  private static Map<String, Object> consumerConfig(
      KafkaBroker.Info kafka, String group, String isolation) {
    Map<String, Object> config = new HashMap<>(kafka.clientConfig());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    return config;
  }
}
