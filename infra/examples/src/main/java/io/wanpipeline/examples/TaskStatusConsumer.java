package io.wanpipeline.examples;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.lifecycle.TaskStates;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A downstream consumer of {@code task-status}, on the {@code schemas} jar and kafka-clients only:
 * it reads every event (committed transactions only: the pipeline writes in transactions), decodes
 * it with the contract's serde, and prints one line per event, marking the end of each request.
 *
 * <p>Run: {@code java -cp examples.jar:schemas.jar:... io.wanpipeline.examples.TaskStatusConsumer
 * BOOTSTRAP REGISTRY_URL [TOPICS_PREFIX] [MAX_EVENTS]}; without MAX_EVENTS it runs until stopped.
 */
public final class TaskStatusConsumer {
  private TaskStatusConsumer() {}

  /** How event times are printed: UTC, to the millisecond. */
  public static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println(
          "usage: TaskStatusConsumer BOOTSTRAP REGISTRY_URL [TOPICS_PREFIX] [MAX_EVENTS]");
      System.exit(2);
    }
    String prefix = args.length > 2 ? args[2] : "";
    long max = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;
    consume(args[0], args[1], prefix, max, Duration.ofMinutes(5), System.out);
  }

  /**
   * Prints the events of {@code task-status} from the beginning until {@code max} were read or
   * nothing came for {@code idle}; returns how many were read.
   */
  public static long consume(
      String bootstrap,
      String registryUrl,
      String prefix,
      long max,
      Duration idle,
      PrintStream out) {
    Topics topics = new Topics(TopicNames.withPrefix(prefix), SchemaRegistryClient.of(registryUrl));
    Topic<String, TaskStatus> status = topics.taskStatus();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(
        ConsumerConfig.GROUP_ID_CONFIG, "task-status-example-" + Instant.now().toEpochMilli());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // The pipeline writes task-status in Kafka transactions: read only what they committed.
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    long read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(status.name()));
      Instant quietSince = Instant.now();
      while (read < max && Instant.now().isBefore(quietSince.plus(idle))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          quietSince = Instant.now();
          TaskStatus event = status.value(r.value());
          out.printf(
              "%s %s %s%s%s%n",
              TIME.format(event.getEventTime()),
              event.getRequestId(),
              event.getState(),
              event.getError() == null ? "" : " " + event.getError().getCode(),
              TaskStates.terminal(event.getState()) ? " (ended)" : "");
          read++;
        }
      }
    }
    return read;
  }
}
