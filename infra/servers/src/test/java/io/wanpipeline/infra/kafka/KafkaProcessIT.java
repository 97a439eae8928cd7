package io.wanpipeline.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaProcessIT {
  private static final String TOPIC = "orders";

  @Test
  void keepsRecordsAcrossRestartKillAndANewProcessOnTheSameDataDirectory(@TempDir Path dataDir)
      throws Exception {
    String clusterId;
    try (KafkaProcess kafka = KafkaProcess.start(dataDir)) {
      assertThat(kafka.pid())
          .as("the broker runs in a child JVM")
          .isNotEqualTo(ProcessHandle.current().pid());
      clusterId = clusterId(kafka);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
      }
      produce(kafka, 0, 100);
      assertThat(readAll(kafka)).hasSize(100).startsWith("v0").endsWith("v99");

      String bootstrap = kafka.bootstrapServers();
      kafka.restart();
      assertThat(kafka.bootstrapServers()).as("a restart keeps the ports").isEqualTo(bootstrap);
      assertThat(readAll(kafka)).as("records after a graceful restart").hasSize(100);

      kafka.kill();
      assertThat(kafka.isRunning()).isFalse();
      kafka.restart();
      produce(kafka, 100, 150);
      assertThat(readAll(kafka)).as("records after SIGKILL and restart").hasSize(150);
    }

    assertThat(dataDir.resolve("kraft-logs/meta.properties")).exists();
    assertThat(dataDir.resolve("broker.log")).isNotEmptyFile();

    try (KafkaProcess again = KafkaProcess.start(dataDir)) {
      assertThat(clusterId(again))
          .as("the data directory is not formatted again")
          .isEqualTo(clusterId);
      assertThat(readAll(again)).as("records seen by a new process").hasSize(150).endsWith("v149");
    }
  }

  @Test
  void refusesToFormatADirectoryThatIsNotAKafkaLog(@TempDir Path dataDir) throws Exception {
    Files.createDirectories(dataDir.resolve("kraft-logs"));
    Files.writeString(dataDir.resolve("kraft-logs/notes.txt"), "not kafka");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> KafkaProcess.start(dataDir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refusing to format");
  }

  private static String clusterId(KafkaProcess kafka) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      return admin.describeCluster().clusterId().get();
    }
  }

  private static void produce(KafkaProcess kafka, int from, int to) {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      for (int i = from; i < to; i++) {
        producer.send(new ProducerRecord<>(TOPIC, "k", "v" + i));
      }
      producer.flush();
    }
  }

  private static List<String> readAll(KafkaProcess kafka) {
    TopicPartition partition = new TopicPartition(TOPIC, 0);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return consumer.position(partition) >= end;
              });
    }
    return values;
  }
}
