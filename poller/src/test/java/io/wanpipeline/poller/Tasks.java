package io.wanpipeline.poller;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

/** Sample tasks and decision objects for tests. */
final class Tasks {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private Tasks() {}

  static TaskStatus submitted(String requestId, String taskId) {
    return TaskStatus.newBuilder()
        .setRequestId(requestId)
        .setAccountId("acme")
        .setProviderAccount("default")
        .setApiKeyRef("default#0")
        .setModel("wan2.2-i2v-flash")
        .setState(TaskState.SUBMITTED)
        .setTaskId(taskId)
        .setEventTime(T0)
        .setSubmittedAt(T0)
        .setPriority(Priority.LIVE)
        .setRequestedResolution("480P")
        .setRequestedDuration(5)
        .setMetadata(Map.of("campaign", "spring"))
        .build();
  }

  static PollScheduler scheduler(long seed) {
    return new PollScheduler(
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(60), new Random(seed)),
        new Random(seed));
  }

  static TaskTransitions transitions() {
    return new TaskTransitions(scheduler(3), new TimeoutDetector(Duration.ofMinutes(20)), 3);
  }
}
