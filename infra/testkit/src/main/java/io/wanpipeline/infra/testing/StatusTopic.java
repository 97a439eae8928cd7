package io.wanpipeline.infra.testing;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes status events to {@code task-status} as an upstream service would, and reads back what a
 * service under test committed there, for the integration tests of the services that follow it.
 */
public final class StatusTopic {
  /** The archiver's terminal states. */
  public static final Set<TaskState> ARCHIVE_ENDS =
      EnumSet.of(TaskState.ARCHIVED, TaskState.ARCHIVE_FAILED);

  private StatusTopic() {}

  /** Produces {@code status} keyed by its request_id, acknowledged by all in-sync replicas. */
  public static void send(KafkaBroker.Info kafka, Topics topics, TaskStatus status) {
    Topic<String, TaskStatus> topic = topics.taskStatus();
    Map<String, Object> props = new HashMap<>(kafka.clientConfig());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, TaskStatus> producer =
        new KafkaProducer<>(
            props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), status.getRequestId(), status)).get();
    } catch (Exception e) {
      throw new AssertionError("cannot produce a status", e);
    }
  }

  /** The committed ARCHIVED and ARCHIVE_FAILED events of {@code requestId}, in order. */
  public static List<TaskStatus> archiveEndsOf(
      KafkaBroker.Info kafka, Topics topics, String requestId) {
    return committed(kafka, topics, requestId, ARCHIVE_ENDS);
  }

  /**
   * The committed events of {@code requestId} in one of {@code states}, in order: everything from
   * the beginning up to the end offsets at the time of the call.
   */
  public static List<TaskStatus> committed(
      KafkaBroker.Info kafka, Topics topics, String requestId, Set<TaskState> states) {
    return committedByRequest(kafka, topics, states).getOrDefault(requestId, List.of());
  }

  /**
   * The committed ARCHIVED and ARCHIVE_FAILED events of every request, in order, in one read of the
   * topic: for a test that waits on many requests at once.
   */
  public static Map<String, List<TaskStatus>> archiveEnds(KafkaBroker.Info kafka, Topics topics) {
    return committedByRequest(kafka, topics, ARCHIVE_ENDS);
  }

  /**
   * The committed events in one of {@code states} by request_id, each request's in order:
   * everything from the beginning up to the end offsets at the time of the call.
   */
  public static Map<String, List<TaskStatus>> committedByRequest(
      KafkaBroker.Info kafka, Topics topics, Set<TaskState> states) {
    Topic<String, TaskStatus> topic = topics.taskStatus();
    Map<String, Object> props = new HashMap<>(kafka.clientConfig());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, List<TaskStatus>> out = new HashMap<>();
    try (KafkaConsumer<String, TaskStatus> consumer =
        new KafkaConsumer<>(
            props, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic.name()).stream()
              .map(p -> new TopicPartition(topic.name(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, TaskStatus> r : consumer.poll(Duration.ofMillis(100))) {
          if (states.contains(r.value().getState())) {
            out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
          }
        }
      }
    }
    return out;
  }
}
