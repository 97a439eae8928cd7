package io.wanpipeline.infra.bench;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads a run's task-status topic (committed events only) and notes when each request's first event
 * after SUBMITTED arrived, by state.
 */
final class StatusWatch implements AutoCloseable {
  /**
   * The first event of a request other than SUBMITTED, PENDING or RUNNING.
   *
   * @param state its state
   * @param receivedAt when this consumer read it
   */
  record Seen(TaskState state, Instant receivedAt) {}

  private final Map<String, Seen> ends = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean stop;

  StatusWatch(BenchStack stack, BenchStack.Run run) {
    KafkaConsumer<String, byte[]> consumer =
        BenchStack.committedReader(stack.bootstrap(), "bench-watch");
    consumer.subscribe(java.util.List.of(run.topics().taskStatus().name()));
    thread =
        new Thread(
            () -> {
              try (consumer) {
                while (!stop) {
                  for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    Instant now = Instant.now();
                    TaskStatus s = run.topics().taskStatus().value(r.value());
                    TaskState state = s.getState();
                    if (state != TaskState.SUBMITTED
                        && state != TaskState.PENDING
                        && state != TaskState.RUNNING) {
                      ends.putIfAbsent(r.key(), new Seen(state, now));
                    }
                  }
                }
              }
            },
            "bench-status-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** Ends seen so far by request_id. */
  Map<String, Seen> ends() {
    return Map.copyOf(ends);
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
