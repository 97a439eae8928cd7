package io.wanpipeline.runtime.service;

import io.wanpipeline.runtime.management.Readiness;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Decides whether a Kafka Streams client can still work, for a {@link PipelineService#failure()}:
 * it cannot once it is in {@code ERROR} or {@code PENDING_ERROR}, once it stops without a close
 * having been asked for, or while it runs without a live stream thread. The cause reported is the
 * last stream thread's error, when there is one.
 */
public final class StreamsLiveness {
  private final String application;
  private final KafkaStreams streams;
  private final StreamThreadReplacements replacements;
  private final AtomicReference<Throwable> lastThreadError = new AtomicReference<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile boolean closing;

  /**
   * @param application the application id, for the message
   * @param streams the client watched
   * @param clock the time of thread deaths, for {@link StreamThreadReplacements}
   */
  public StreamsLiveness(String application, KafkaStreams streams, Clock clock) {
    this.application = Objects.requireNonNull(application, "application");
    this.streams = Objects.requireNonNull(streams, "streams");
    this.replacements = new StreamThreadReplacements(clock);
  }

  /**
   * For the client's uncaught-exception handler: records a stream thread's error as the likely
   * cause of a failure, and decides whether the thread is replaced or the client shut down ({@link
   * StreamThreadReplacements}).
   */
  public StreamThreadExceptionResponse threadFailed(Throwable error) {
    lastThreadError.set(error);
    return replacements.threadDied(error);
  }

  /** Says that a close was asked for: from now on the client stopping is not a failure. */
  public void closing() {
    closing = true;
  }

  /**
   * Ready while the client is {@code RUNNING}: its tasks assigned and their stores restored. In
   * {@code REBALANCING} (which includes restoring) or before it started it waits for that.
   */
  public Readiness readiness() {
    KafkaStreams.State state = streams.state();
    return Readiness.when(
        state == KafkaStreams.State.RUNNING, application + ": kafka streams " + state);
  }

  /** Why the client can no longer work, or empty; once present it stays present. */
  public Optional<Throwable> failure() {
    Throwable known = failure.get();
    if (known != null || closing) {
      return Optional.ofNullable(known);
    }
    KafkaStreams.State state = streams.state();
    int liveThreads = 0;
    if (state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING) {
      try {
        liveThreads = streams.metadataForLocalThreads().size();
      } catch (RuntimeException e) {
        return Optional.empty(); // the state changed meanwhile: judged at the next question
      }
    }
    Optional<String> reason = deadReason(state, liveThreads);
    if (reason.isEmpty() || closing) {
      return Optional.empty();
    }
    failure.compareAndSet(
        null,
        new IllegalStateException(
            "Kafka Streams application " + application + " " + reason.get(),
            lastThreadError.get()));
    return Optional.of(failure.get());
  }

  /**
   * Why a client in {@code state} with {@code liveThreads} stream threads not dead, and no close
   * asked for, can no longer work; empty if it can (or is still starting).
   */
  static Optional<String> deadReason(KafkaStreams.State state, int liveThreads) {
    return switch (state) {
      case CREATED -> Optional.empty();
      case REBALANCING, RUNNING ->
          liveThreads > 0 ? Optional.empty() : Optional.of("has no live stream thread left");
      case PENDING_ERROR, ERROR -> Optional.of("is in state " + state);
      case PENDING_SHUTDOWN, NOT_RUNNING -> Optional.of("stopped (" + state + ") without a close");
    };
  }
}
