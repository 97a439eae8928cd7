package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.schemas.commands.RequestCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CANCEL commands the dispatcher has read from {@code request-commands}, by request and by
 * batch, and which waiting request they end: one that has not been called yet ends CANCELED without
 * a submission. Commands are remembered for {@code memory} after they were made (the longest a
 * request may wait in the queue), so a cancel that arrives before its request is queued still ends
 * it. Used on the dispatcher's loop thread only.
 */
public final class CancelRequests {
  private final Duration memory;
  private final Map<String, RequestCommand> byRequest = new HashMap<>();
  private final Map<String, RequestCommand> byBatch = new HashMap<>();
  private long changes;

  /** Remembers commands for {@code memory} after their {@code requested_at}. */
  public CancelRequests(Duration memory) {
    this.memory = memory;
  }

  /** Takes {@code command} in; false when it is not a well-formed CANCEL (it is then ignored). */
  boolean add(RequestCommand command) {
    if (!RequestCommands.wellFormed(command)) {
      return false;
    }
    if (command.getRequestId() != null) {
      byRequest.putIfAbsent(command.getRequestId(), command);
    } else {
      byBatch.putIfAbsent(command.getBatchId(), command);
    }
    changes++;
    return true;
  }

  /** The command that cancels {@code request}, or empty. */
  Optional<RequestCommand> cancelling(WaitingRequest request) {
    if (byRequest.isEmpty() && byBatch.isEmpty()) {
      return Optional.empty();
    }
    RequestCommand direct = byRequest.get(request.requestId());
    if (direct != null) {
      return Optional.of(direct);
    }
    return RequestCommands.batchOf(request.request().getMetadata()).map(byBatch::get);
  }

  /** Whether no command is held: then nothing is cancelled, and nothing need be checked. */
  boolean isEmpty() {
    return byRequest.isEmpty() && byBatch.isEmpty();
  }

  /** How many commands were taken in so far: a waiting request is checked again after a change. */
  long changes() {
    return changes;
  }

  /** Forgets the commands made more than the memory before {@code now}. */
  void prune(Instant now) {
    Instant oldest = now.minus(memory);
    byRequest.values().removeIf(c -> c.getRequestedAt().isBefore(oldest));
    byBatch.values().removeIf(c -> c.getRequestedAt().isBefore(oldest));
  }

  /** The memory: how far back the commands topic is read at start. */
  Duration memory() {
    return memory;
  }
}
