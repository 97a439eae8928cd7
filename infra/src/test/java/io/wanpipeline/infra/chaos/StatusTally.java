package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the committed status events of every request from the beginning of {@code task-status} and
 * counts, per request_id, the terminal states it reached (a request must reach exactly one), its
 * billable successes (SUCCEEDED or LATE_SUCCEEDED) and the archiver's ends (ARCHIVED or
 * ARCHIVE_FAILED) with their events.
 */
final class StatusTally implements AutoCloseable {
  /** The states after which a request has ended, as far as submitter and poller go. */
  static final Set<TaskState> TERMINAL =
      EnumSet.of(
          TaskState.SUCCEEDED,
          TaskState.FAILED,
          TaskState.CANCELED,
          TaskState.TIMED_OUT,
          TaskState.UNKNOWN,
          TaskState.REJECTED);

  /** The states that are billed and archived. */
  static final Set<TaskState> SUCCESSES = EnumSet.of(TaskState.SUCCEEDED, TaskState.LATE_SUCCEEDED);

  /** The archiver's terminal states. */
  static final Set<TaskState> ARCHIVE_ENDS =
      EnumSet.of(TaskState.ARCHIVED, TaskState.ARCHIVE_FAILED);

  /** The error code of a request whose create call may or may not have reached the provider. */
  static final String SUBMIT_IN_DOUBT = "SUBMIT_IN_DOUBT";

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Topic<String, TaskStatus> topic;
  private final List<TopicPartition> partitions;
  private final Map<String, List<TaskState>> terminals = new HashMap<>();
  private final Map<String, Integer> inDoubt = new HashMap<>();
  private final Map<String, Integer> successes = new HashMap<>();
  private final Map<String, List<TaskStatus>> archiveEnds = new HashMap<>();
  private long events;

  StatusTally(String bootstrapServers, Topic<String, TaskStatus> topic) {
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

  /** Reads what was committed since the last call, up to the current end of every partition. */
  synchronized StatusTally refresh() {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    int rounds = 0;
    while (!caughtUp(end) && rounds++ < 50) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        count(r);
      }
    }
    return this;
  }

  private boolean caughtUp(Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  private void count(ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null) {
      return;
    }
    events++;
    TaskStatus status = topic.value(r.value());
    String requestId = status.getRequestId();
    if (SUCCESSES.contains(status.getState())) {
      successes.merge(requestId, 1, Integer::sum);
    }
    if (ARCHIVE_ENDS.contains(status.getState())) {
      archiveEnds.computeIfAbsent(requestId, k -> new ArrayList<>()).add(status);
    }
    if (TERMINAL.contains(status.getState())) {
      terminals.computeIfAbsent(requestId, k -> new ArrayList<>()).add(status.getState());
      if (status.getState() == TaskState.FAILED
          && status.getError() != null
          && SUBMIT_IN_DOUBT.equals(status.getError().getCode())) {
        inDoubt.merge(requestId, 1, Integer::sum);
      }
    }
  }

  /** Status events read so far. */
  synchronized long events() {
    return events;
  }

  /** How many of {@code requestIds} have reached a terminal state. */
  synchronized long ended(Set<String> requestIds) {
    return requestIds.stream().filter(terminals::containsKey).count();
  }

  /** The requests among {@code requestIds} with no terminal state yet. */
  synchronized List<String> notEnded(Set<String> requestIds) {
    return requestIds.stream().filter(id -> !terminals.containsKey(id)).sorted().toList();
  }

  /** The requests that reached more than one terminal state, with the states. */
  synchronized Map<String, List<TaskState>> endedMoreThanOnce() {
    Map<String, List<TaskState>> out = new TreeMap<>();
    terminals.forEach(
        (id, states) -> {
          if (states.size() > 1) {
            out.put(id, List.copyOf(states));
          }
        });
    return out;
  }

  /** Terminal events by state (a request ending twice is counted twice). */
  synchronized Map<TaskState, Integer> byState() {
    Map<TaskState, Integer> out = new TreeMap<>();
    terminals.values().forEach(states -> states.forEach(s -> out.merge(s, 1, Integer::sum)));
    return out;
  }

  /** Requests that ended FAILED with {@value #SUBMIT_IN_DOUBT}. */
  synchronized int inDoubtRequests() {
    return inDoubt.size();
  }

  /** The requests with a SUCCEEDED or LATE_SUCCEEDED event, sorted. */
  synchronized Set<String> succeeded() {
    return new java.util.TreeSet<>(successes.keySet());
  }

  /** How many of the succeeded requests have an ARCHIVED or ARCHIVE_FAILED event. */
  synchronized long archivedOrFailed() {
    return successes.keySet().stream().filter(archiveEnds::containsKey).count();
  }

  /** Every ARCHIVED and ARCHIVE_FAILED event by request_id, in order. */
  synchronized Map<String, List<TaskStatus>> archiveEnds() {
    Map<String, List<TaskStatus>> out = new TreeMap<>();
    archiveEnds.forEach((id, events) -> out.put(id, List.copyOf(events)));
    return out;
  }

  /** Requests with a terminal state that the test never produced. */
  synchronized List<String> unknownRequests(Set<String> produced) {
    return terminals.keySet().stream().filter(id -> !produced.contains(id)).sorted().toList();
  }

  @Override
  public synchronized void close() {
    consumer.close();
  }
}
