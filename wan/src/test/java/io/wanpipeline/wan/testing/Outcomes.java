package io.wanpipeline.wan.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** Assertions on a client's outcomes that every dialect's conformance suite makes. */
public final class Outcomes {
  private Outcomes() {}

  /** The accepted submit, failing the test when it was not accepted. */
  public static SubmitOutcome.Accepted accepted(SubmitOutcome outcome) {
    assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
    return (SubmitOutcome.Accepted) outcome;
  }

  /** The refused submit's error, failing the test when it was not refused. */
  public static WanError refused(SubmitOutcome outcome) {
    assertThat(outcome).isInstanceOf(SubmitOutcome.Refused.class);
    return ((SubmitOutcome.Refused) outcome).error();
  }

  /** The answered call's value, failing the test when it failed. */
  public static <T> T answered(QueryOutcome<T> outcome) {
    assertThat(outcome).isInstanceOf(QueryOutcome.Answered.class);
    return ((QueryOutcome.Answered<T>) outcome).value();
  }

  /** The failed call's error, failing the test when it was answered. */
  public static <T> WanError failed(QueryOutcome<T> outcome) {
    assertThat(outcome).isInstanceOf(QueryOutcome.Failed.class);
    return ((QueryOutcome.Failed<T>) outcome).error();
  }

  /** Queries {@code taskId} with {@code key} until its status is terminal (at most 10 s). */
  public static TaskSnapshot awaitTerminal(WanClient client, ApiKey key, String taskId) {
    AtomicReference<TaskSnapshot> last = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              last.set(answered(client.query(key, taskId)));
              return last.get().status().terminal();
            });
    return last.get();
  }
}
