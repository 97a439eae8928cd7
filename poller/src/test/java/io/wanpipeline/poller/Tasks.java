package io.wanpipeline.poller;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

/** Sample tasks and decision objects for tests. */
final class Tasks {
  static final Instant T0 = TaskStatuses.T0;

  private Tasks() {}

  static TaskStatus submitted(String requestId, String taskId) {
    return TaskStatuses.submitted(requestId, taskId)
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
