package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.loop.TransactionalWriter;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.schemas.registry.SchemaRegistryException;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
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
 * Follows {@code task-status} into {@link InProgressTasks} (SUBMITTED events add a task to its
 * (account, model), terminal events remove it) and {@code request-commands} into {@link
 * CancelRequests}: every partition of both, read_committed, no group. At start it reads {@code
 * task-status} from the in-progress horizon ago and the commands from their memory ago, to the end,
 * before anything is dispatched.
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
  private final Topic<String, RequestCommand> commands;
  private final CancelRequests cancels;
  private final Clock clock;
  private final Duration horizon;

  /**
   * @param consumer a consumer without group, read_committed, owned by this follower
   * @param topic the status topic
   * @param inProgress the tasks in progress to keep up to date
   * @param commands the commands topic
   * @param cancels the cancel commands to keep up to date
   * @param clock time source
   * @param horizon how far back to start reading the status topic
   */
  public StatusFollower(
      Consumer<byte[], byte[]> consumer,
      Topic<String, TaskStatus> topic,
      InProgressTasks inProgress,
      Topic<String, RequestCommand> commands,
      CancelRequests cancels,
      Clock clock,
      Duration horizon) {
    this.consumer = consumer;
    this.topic = topic;
    this.inProgress = inProgress;
    this.commands = commands;
    this.cancels = cancels;
    this.clock = clock;
    this.horizon = horizon;
  }

  /**
   * Seeks every partition to its horizon (the in-progress horizon for the status topic, the
   * commands' memory for the commands) and reads to the end; fails after {@code timeout}.
   */
  public void catchUp(Duration timeout) {
    Instant now = clock.instant();
    Map<TopicPartition, Long> from = new HashMap<>();
    for (TopicPartition tp : partitions(topic.name(), timeout)) {
      from.put(tp, now.minus(horizon).toEpochMilli());
    }
    for (TopicPartition tp : partitions(commands.name(), timeout)) {
      from.put(tp, now.minus(cancels.memory()).toEpochMilli());
    }
    List<TopicPartition> tps = List.copyOf(from.keySet());
    consumer.assign(tps);
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(from, timeout);
    Map<TopicPartition, Long> end = consumer.endOffsets(tps, timeout);
    for (TopicPartition tp : tps) {
      OffsetAndTimestamp at = found.get(tp);
      consumer.seek(tp, at == null ? end.getOrDefault(tp, 0L) : at.offset());
    }
    long count = readTo(tps, end, timeout);
    log.info(
        "read task-status back to the in-progress horizon and the commands back to their memory"
            + " topic={} horizon={} commands={} memory={} records={}",
        topic.name(),
        horizon,
        commands.name(),
        cancels.memory(),
        count);
  }

  private List<TopicPartition> partitions(String name, Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(name, timeout);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + name + " does not exist");
    }
    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
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

  /**
   * Reads what arrived since the last call, waiting at most {@code timeout}. A record that cannot
   * be read because the schema registry does not answer is read again at the next call (its
   * partition is rewound to it); one that cannot be read at all is logged and passed over.
   */
  public int poll(Duration timeout) {
    int n = 0;
    Set<TopicPartition> rewound = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (rewound.contains(tp)) {
        continue;
      }
      n++;
      if (r.value() == null) {
        continue;
      }
      try {
        if (r.topic().equals(commands.name())) {
          command(r, commands.value(r.value()));
        } else {
          apply(topic.value(r.value()));
        }
      } catch (RuntimeException e) {
        if (SchemaRegistryException.unavailable(e)) {
          consumer.seek(tp, r.offset());
          rewound.add(tp);
          log.warn(
              "record read again later, the schema registry does not answer topic={}"
                  + " partition={} offset={}: {}",
              r.topic(),
              r.partition(),
              r.offset(),
              e.toString());
        } else {
          log.warn(
              "unreadable record ignored topic={} partition={} offset={}: {}",
              r.topic(),
              r.partition(),
              r.offset(),
              e.toString());
        }
      }
    }
    return n;
  }

  private void command(ConsumerRecord<byte[], byte[]> r, RequestCommand c) {
    if (!cancels.add(c)) {
      log.warn(
          "request command ignored topic={} partition={} offset={}: {}",
          r.topic(),
          r.partition(),
          r.offset(),
          RequestCommands.problem(c).orElse("not well formed"));
    }
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
