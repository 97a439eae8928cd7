package io.wanpipeline.infra.demo;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.lifecycle.TaskStates;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the pipeline's output topics from the beginning, as a downstream consumer would: every
 * status event per request, every charge, and the latest total per key. Used by the demo and by the
 * end-to-end tests.
 */
public final class PipelineWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipelineWatcher.class);

  /** States after which a request never changes again (the contract's). */
  public static final Set<TaskState> TERMINAL = TaskStates.TERMINAL;

  private final Topics topics;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final Map<String, List<TaskStatus>> history = new ConcurrentHashMap<>();
  private final List<Charge> charges = new CopyOnWriteArrayList<>();
  private final Map<String, AccountTotal> totals = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean running = true;

  /** Starts following {@code topics} on {@code bootstrapServers}. */
  public PipelineWatcher(String bootstrapServers, Topics topics) {
    this.topics = topics;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String name :
        List.of(
            topics.taskStatus().name(),
            topics.billingCharges().name(),
            topics.billingTotals().name())) {
      consumer.partitionsFor(name, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .forEach(partitions::add);
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    this.thread = new Thread(this::run, "pipeline-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** Calls {@code listener} (on the watcher's thread) after each batch of new events. */
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }

  private void run() {
    try {
      while (running) {
        var records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          accept(r);
        }
        listeners.forEach(Runnable::run);
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void accept(ConsumerRecord<byte[], byte[]> r) {
    try {
      if (r.topic().equals(topics.taskStatus().name())) {
        TaskStatus status = topics.taskStatus().value(r.value());
        history
            .computeIfAbsent(status.getRequestId(), k -> new CopyOnWriteArrayList<>())
            .add(status);
      } else if (r.topic().equals(topics.billingCharges().name())) {
        charges.add(topics.billingCharges().value(r.value()));
      } else {
        Topic<String, AccountTotal> t = topics.billingTotals();
        totals.put(t.key(r.key()), t.value(r.value()));
      }
    } catch (RuntimeException e) {
      log.warn(
          "skipping unreadable record topic={} partition={} offset={}: {}",
          r.topic(),
          r.partition(),
          r.offset(),
          e.getMessage());
    }
  }

  /** Every status event of {@code requestId}, in order. */
  public List<TaskStatus> history(String requestId) {
    return List.copyOf(history.getOrDefault(requestId, List.of()));
  }

  /** The latest status of {@code requestId}, or null. */
  public TaskStatus latest(String requestId) {
    List<TaskStatus> events = history.get(requestId);
    return events == null || events.isEmpty() ? null : events.get(events.size() - 1);
  }

  /** The terminal events of {@code requestId} (exactly one once it has ended). */
  public List<TaskStatus> terminalEvents(String requestId) {
    return history(requestId).stream().filter(s -> TERMINAL.contains(s.getState())).toList();
  }

  /** True when every request of {@code requestIds} has a terminal status. */
  public boolean allTerminal(List<String> requestIds) {
    return requestIds.stream()
        .allMatch(id -> latest(id) != null && TERMINAL.contains(latest(id).getState()));
  }

  /** Every charge seen. */
  public List<Charge> charges() {
    return List.copyOf(charges);
  }

  /** The latest total per {@code account|day|currency} key. */
  public Map<String, AccountTotal> totals() {
    return new LinkedHashMap<>(totals);
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
