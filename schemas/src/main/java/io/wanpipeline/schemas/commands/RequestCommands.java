package io.wanpipeline.schemas.commands;

import io.wanpipeline.events.CommandAction;
import io.wanpipeline.events.RequestCommand;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What the contract says of {@code request-commands}: the key of a command (its target), what makes
 * a command well formed, and which batch a request belongs to. Producers build commands here (which
 * refuses a reason over {@link #MAX_REASON} characters); consumers ignore (and count) a command
 * that is not well formed.
 */
public final class RequestCommands {
  private RequestCommands() {}

  /** The request metadata key that names the batch a request belongs to (set by the batch tool). */
  public static final String BATCH_ID_METADATA = "batch_id";

  /** The grammar of request and batch ids: 1-255 characters of {@code [A-Za-z0-9._:-]}. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,255}");

  /** The longest reason, in characters; a longer one is cut by {@link #reason(String)}. */
  public static final int MAX_REASON = 500;

  /** The longest {@code requested_by}, in characters. */
  public static final int MAX_REQUESTED_BY = 255;

  private static final String REQUEST_PREFIX = "request:";
  private static final String BATCH_PREFIX = "batch:";

  /** The key of the commands about request {@code requestId}. */
  public static String requestKey(String requestId) {
    return REQUEST_PREFIX + requestId;
  }

  /** The key of the commands about batch {@code batchId}. */
  public static String batchKey(String batchId) {
    return BATCH_PREFIX + batchId;
  }

  /** The key of {@code command}: its target; call only on a {@link #wellFormed} command. */
  public static String key(RequestCommand command) {
    return command.getRequestId() != null
        ? requestKey(command.getRequestId())
        : batchKey(command.getBatchId());
  }

  /** A CANCEL of request {@code requestId}. */
  public static RequestCommand cancelRequest(
      String requestId, String reason, String requestedBy, Instant at) {
    return cancel(requestId, null, reason, requestedBy, at);
  }

  /** A CANCEL of every request of batch {@code batchId}. */
  public static RequestCommand cancelBatch(
      String batchId, String reason, String requestedBy, Instant at) {
    return cancel(null, batchId, reason, requestedBy, at);
  }

  private static RequestCommand cancel(
      String requestId, String batchId, String reason, String requestedBy, Instant at) {
    RequestCommand command =
        RequestCommand.newBuilder()
            .setCommandId(UUID.randomUUID().toString())
            .setAction(CommandAction.CANCEL)
            .setRequestId(requestId)
            .setBatchId(batchId)
            .setReason(reason)
            .setRequestedBy(requestedBy)
            .setRequestedAt(at.truncatedTo(ChronoUnit.MILLIS))
            .build();
    Optional<String> problem = problem(command);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    if (reason != null && reason.length() > MAX_REASON) {
      throw new IllegalArgumentException("reason is longer than " + MAX_REASON + " characters");
    }
    if (requestedBy != null && requestedBy.length() > MAX_REQUESTED_BY) {
      throw new IllegalArgumentException(
          "requested_by is longer than " + MAX_REQUESTED_BY + " characters");
    }
    return command;
  }

  /**
   * Why {@code command} cannot be acted on (an unknown action, no target or two, an id outside the
   * grammar), or empty. A reason or requested_by over its limit does not stop it: it is cut.
   */
  public static Optional<String> problem(RequestCommand command) {
    if (command.getAction() != CommandAction.CANCEL) {
      return Optional.of("unknown action " + command.getAction());
    }
    if ((command.getRequestId() == null) == (command.getBatchId() == null)) {
      return Optional.of("exactly one of request_id and batch_id must be set");
    }
    String target = command.getRequestId() != null ? command.getRequestId() : command.getBatchId();
    if (!ID.matcher(target).matches()) {
      return Optional.of(
          (command.getRequestId() != null ? "request_id" : "batch_id")
              + " must be 1-255 characters of [A-Za-z0-9._:-]");
    }
    return Optional.empty();
  }

  /** Whether {@code command} is well formed ({@link #problem} is empty). */
  public static boolean wellFormed(RequestCommand command) {
    return command != null && problem(command).isEmpty();
  }

  /** The batch a request with {@code metadata} belongs to, when it names a valid one. */
  public static Optional<String> batchOf(Map<String, String> metadata) {
    String batch = metadata == null ? null : metadata.get(BATCH_ID_METADATA);
    return batch != null && ID.matcher(batch).matches() ? Optional.of(batch) : Optional.empty();
  }

  /**
   * The words a CANCELED event's message gives for {@code command}: its id, who asked and why (cut
   * to their limits).
   */
  public static String describe(RequestCommand command) {
    StringBuilder b = new StringBuilder("command ").append(command.getCommandId());
    if (command.getBatchId() != null) {
      b.append(" for batch ").append(command.getBatchId());
    }
    if (command.getRequestedBy() != null) {
      b.append(" by ").append(cut(command.getRequestedBy(), MAX_REQUESTED_BY));
    }
    if (command.getReason() != null && !command.getReason().isBlank()) {
      b.append(": ").append(cut(command.getReason(), MAX_REASON));
    }
    return b.toString();
  }

  private static String cut(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max);
  }
}
