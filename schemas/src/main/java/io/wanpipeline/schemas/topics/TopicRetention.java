package io.wanpipeline.schemas.topics;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The two retentions of the pipeline's topics that an operator chooses; every other topic's
 * retention is fixed by {@link TopicSpec#pipeline}.
 *
 * @param dedupe how long the submitter's ledgers ({@code submissions}, {@code submission-dispatch})
 *     keep an entry ({@code submitter.dedupe-retention}); positive
 * @param taskStatus how long {@code task-status} keeps an event ({@code
 *     topics.task-status-retention}); empty for ever (the default), else positive
 */
public record TopicRetention(Duration dedupe, Optional<Duration> taskStatus) {

  /** The defaults: ledgers kept 7 days, task-status for ever. */
  public static final TopicRetention DEFAULT =
      new TopicRetention(TopicSpec.DEFAULT_DEDUPE_RETENTION, Optional.empty());

  public TopicRetention {
    Objects.requireNonNull(dedupe, "dedupe");
    Objects.requireNonNull(taskStatus, "taskStatus");
    if (dedupe.isNegative() || dedupe.isZero()) {
      throw new IllegalArgumentException("dedupe retention must be positive, got " + dedupe);
    }
    taskStatus.ifPresent(
        d -> {
          if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("task-status retention must be positive, got " + d);
          }
        });
  }

  /** This retention with the ledgers kept {@code value}. */
  public TopicRetention withDedupe(Duration value) {
    return new TopicRetention(value, taskStatus);
  }

  /** The {@code retention.ms} value of task-status: its milliseconds, or -1 for ever. */
  String taskStatusMs() {
    return taskStatus.map(d -> String.valueOf(d.toMillis())).orElse(TopicSpec.FOREVER);
  }
}
