package io.wanpipeline.runtime.management;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Whether a service can take work now, and if not what it waits for ({@code "kafka streams
 * REBALANCING"}, {@code "submitter-intake: schema registry unavailable"}). Not ready is not dead: a
 * service waiting for a rebalance or the registry recovers by itself ({@link
 * io.wanpipeline.runtime.service.PipelineService#failure()} says when it cannot).
 *
 * @param waitingFor what the service waits for; empty when it is ready
 */
public record Readiness(List<String> waitingFor) {
  /** Ready. */
  public static final Readiness READY = new Readiness(List.of());

  public Readiness {
    waitingFor = List.copyOf(Objects.requireNonNull(waitingFor, "waitingFor"));
  }

  /** Not ready, waiting for {@code reason}. */
  public static Readiness waitingFor(String reason) {
    return new Readiness(List.of(reason));
  }

  /** Ready when {@code ready}, else waiting for {@code reason}. */
  public static Readiness when(boolean ready, String reason) {
    return ready ? READY : waitingFor(reason);
  }

  /** True when nothing is waited for. */
  public boolean ready() {
    return waitingFor.isEmpty();
  }

  /** Ready when both are; waiting for what either waits for. */
  public Readiness and(Readiness other) {
    if (other.ready()) {
      return this;
    }
    if (ready()) {
      return other;
    }
    List<String> both = new ArrayList<>(waitingFor);
    both.addAll(other.waitingFor);
    return new Readiness(both);
  }
}
