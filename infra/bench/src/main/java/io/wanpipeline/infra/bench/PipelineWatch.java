package io.wanpipeline.infra.bench;

import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads a pipeline run's task-status and charges topics (committed records only) as a downstream
 * consumer would, and notes when this reader first saw each request in each state, and every
 * charge.
 */
final class PipelineWatch implements AutoCloseable {
  private final Map<String, Map<TaskState, Instant>> seen = new ConcurrentHashMap<>();
  private final Map<String, Map<TaskState, Integer>> counts = new ConcurrentHashMap<>();
  private final Map<String, List<Charge>> charges = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean stop;
  private volatile RuntimeException failure;

  PipelineWatch(String bootstrap, Topics topics) {
    KafkaConsumer<String, byte[]> consumer =
        BenchStack.committedReader(bootstrap, "bench-pipeline-watch");
    String status = topics.taskStatus().name();
    String charged = topics.billingCharges().name();
    consumer.subscribe(List.of(status, charged));
    thread =
        new Thread(
            () -> {
              try (consumer) {
                while (!stop) {
                  for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    Instant now = Instant.now();
                    if (r.topic().equals(status)) {
                      TaskStatus s = topics.taskStatus().value(r.value());
                      seen.computeIfAbsent(r.key(), k -> new ConcurrentHashMap<>())
                          .putIfAbsent(s.getState(), now);
                      counts
                          .computeIfAbsent(r.key(), k -> new ConcurrentHashMap<>())
                          .merge(s.getState(), 1, Integer::sum);
                    } else if (r.value() != null) {
                      Charge c = topics.billingCharges().value(r.value());
                      charges
                          .computeIfAbsent(c.getRequestId(), k -> new CopyOnWriteArrayList<>())
                          .add(c);
                    }
                  }
                }
              } catch (RuntimeException e) {
                failure = e;
              }
            },
            "bench-pipeline-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** When this reader first saw {@code requestId} in {@code state}; null when it has not. */
  Instant first(String requestId, TaskState state) {
    check();
    Map<TaskState, Instant> m = seen.get(requestId);
    return m == null ? null : m.get(state);
  }

  /** How many {@code state} events {@code requestId} has had. */
  int count(String requestId, TaskState state) {
    Map<TaskState, Integer> m = counts.get(requestId);
    return m == null ? 0 : m.getOrDefault(state, 0);
  }

  /** The charges read so far by request_id. */
  Map<String, List<Charge>> charges() {
    check();
    Map<String, List<Charge>> copy = new HashMap<>();
    charges.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return copy;
  }

  private void check() {
    if (failure != null) {
      throw new IllegalStateException("the benchmark's reader of the topics failed", failure);
    }
  }

  @Override
  public void close() {
    stop = true;
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
