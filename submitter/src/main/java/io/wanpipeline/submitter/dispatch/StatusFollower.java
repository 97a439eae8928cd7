package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code task-status} (every partition, read_committed, no group) into {@link
 * InProgressTasks}: SUBMITTED events add a task to its (account, model), terminal events remove it.
 * At start it reads from the in-progress horizon ago to the end before anything is dispatched.
 */
public final class StatusFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusFollower.class);

  /** The states after which a task no longer takes a slot at the provider. */
  public static final Set<TaskState> TERMINAL =
      EnumSet.of(
          TaskState.SUCCEEDED,
          TaskState.FAILED,
          TaskState.CANCELED,
          TaskState.TIMED_OUT,
          TaskState.UNKNOWN,
          TaskState.LATE_SUCCEEDED);

  private final Consumer<byte[], byte[]> consumer;
  private final Topic<String, TaskStatus> topic;
  private final InProgressTasks inProgress;
  private final Clock clock;
  private final Duration horizon;

  /**
   * @param consumer a consumer without group, read_committed, owned by this follower
   * @param topic the status topic
   * @param inProgress the tasks in progress to keep up to date
   * @param clock time source
   * @param horizon how far back to start reading
   */
  public StatusFollower(
      Consumer<byte[], byte[]> consumer,
      Topic<String, TaskStatus> topic,
      InProgressTasks inProgress,
      Clock clock,
      Duration horizon) {
    this.consumer = consumer;
    this.topic = topic;
    this.inProgress = inProgress;
    this.clock = clock;
    this.horizon = horizon;
  }

  /** Seeks every partition to the horizon and reads to the end; fails after {@code timeout}. */
  public void catchUp(Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), timeout);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + topic.name() + " does not exist");
    }
    List<TopicPartition> tps =
        infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(tps);
    long from = clock.instant().minus(horizon).toEpochMilli();
    Map<TopicPartition, Long> query = new HashMap<>();
    tps.forEach(tp -> query.put(tp, from));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
    Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
    for (TopicPartition tp : tps) {
      OffsetAndTimestamp at = found.get(tp);
      consumer.seek(tp, at == null ? end.getOrDefault(tp, 0L) : at.offset());
    }
    long count = readTo(tps, end, timeout);
    log.info(
        "read task-status back to the in-progress horizon topic={} horizon={} records={}",
        topic.name(),
        horizon,
        count);
  }

  /**
   * Reads every partition to its current end, so that the SUBMITTED events a previous owner of a
   * lane committed are counted before the lane is dispatched again.
   */
  public void readToEnd(Duration timeout) {
    List<TopicPartition> tps = List.copyOf(consumer.assignment());
    readTo(tps, consumer.endOffsets(tps, timeout), timeout);
  }

  private long readTo(List<TopicPartition> tps, Map<TopicPartition, Long> end, Duration timeout) {
    Instant giveUpAt = clock.instant().plus(timeout);
    long count = 0;
    while (!reachedEnd(tps, end)) {
      if (clock.instant().isAfter(giveUpAt)) {
        throw new TransactionalWriter.Fatal(
            "cannot read " + topic.name() + " to its end within " + timeout, null);
      }
      count += poll(Duration.ofMillis(200));
    }
    return count;
  }

  /** Reads what arrived since the last call, waiting at most {@code timeout}. */
  public int poll(Duration timeout) {
    int n = 0;
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      n++;
      if (r.value() == null) {
        continue;
      }
      TaskStatus event;
      try {
        event = topic.value(r.value());
      } catch (RuntimeException e) {
        log.warn(
            "unreadable task-status record ignored partition={} offset={}: {}",
            r.partition(),
            r.offset(),
            e.toString());
        continue;
      }
      apply(event);
    }
    return n;
  }

  private void apply(TaskStatus event) {
    if (event.getTaskId() == null) {
      return;
    }
    if (event.getState() == TaskState.SUBMITTED) {
      Instant at = event.getSubmittedAt() != null ? event.getSubmittedAt() : event.getEventTime();
      inProgress.submitted(
          new LaneKey(event.getProviderAccount(), event.getModel()),
          event.getRequestId(),
          event.getTaskId(),
          at);
    } else if (TERMINAL.contains(event.getState())) {
      inProgress.terminal(event.getRequestId(), event.getTaskId());
    }
  }

  private boolean reachedEnd(List<TopicPartition> tps, Map<TopicPartition, Long> end) {
    for (TopicPartition tp : tps) {
      if (consumer.position(tp) < end.getOrDefault(tp, 0L)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
