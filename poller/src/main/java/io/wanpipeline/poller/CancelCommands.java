package io.wanpipeline.poller;

import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.commands.RequestCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cancel commands of {@code request-commands}, in a global store every stream task of the
 * poller reads (a batch command names tasks of every partition): which command, if any, names a
 * tracked task, by its request_id or by its batch. One per poll processor.
 *
 * <p>A due task used to be looked up in the store (one or two RocksDB reads) on every poll, a third
 * of the stream thread at 50,000 tasks, though commands are rare. A request found unnamed is now
 * looked up again only once a command has arrived since ({@link Arrivals}, counted by the {@link
 * Updater} after it writes), or once {@link #RECHECK_EVERY} has passed: a command that reaches the
 * store without passing the updater (the global store restored while running) is seen within it.
 */
final class CancelCommands {
  private static final Logger log = LoggerFactory.getLogger(CancelCommands.class);

  /** The longest a request found unnamed is trusted to stay so without a new command. */
  static final Duration RECHECK_EVERY = Duration.ofMinutes(1);

  /** How many commands the global store has taken; shared by the updater and every processor. */
  static final class Arrivals {
    private final AtomicLong count = new AtomicLong();

    void arrived() {
      count.incrementAndGet();
    }

    long count() {
      return count.get();
    }
  }

  private final ReadOnlyKeyValueStore<String, RequestCommand> store;
  private final Arrivals arrivals;
  private final Set<String> unnamed = new HashSet<>();
  private long unnamedAsOf = -1;
  private Instant unnamedSince = Instant.MIN;

  CancelCommands(ReadOnlyKeyValueStore<String, RequestCommand> store, Arrivals arrivals) {
    this.store = store;
    this.arrivals = arrivals;
  }

  /**
   * The command that cancels the request of {@code status}, by request or by batch, or empty; the
   * store is read unless the request was found unnamed since the last command arrived and within
   * {@link #RECHECK_EVERY} of {@code now}.
   */
  Optional<RequestCommand> naming(TaskStatus status, Instant now) {
    // The count is read before the store: a command written after this read counts after it too.
    long arrived = arrivals.count();
    if (arrived != unnamedAsOf || !now.isBefore(unnamedSince.plus(RECHECK_EVERY))) {
      unnamed.clear();
      unnamedAsOf = arrived;
      unnamedSince = now;
    }
    if (unnamed.contains(status.getRequestId())) {
      return Optional.empty();
    }
    Optional<RequestCommand> found = lookUp(status);
    if (found.isEmpty()) {
      unnamed.add(status.getRequestId());
    }
    return found;
  }

  private Optional<RequestCommand> lookUp(TaskStatus status) {
    RequestCommand direct = store.get(RequestCommands.requestKey(status.getRequestId()));
    if (direct != null) {
      return Optional.of(direct);
    }
    return RequestCommands.batchOf(status.getMetadata())
        .map(batch -> store.get(RequestCommands.batchKey(batch)));
  }

  /**
   * Keeps the global store: a well-formed command under its target's key (whatever key it was
   * produced with; the first command of a target is kept), anything else logged and passed over.
   */
  static final class Updater implements Processor<String, RequestCommand, Void, Void> {
    private final String storeName;
    private final Arrivals arrivals;
    private KeyValueStore<String, RequestCommand> commands;

    Updater(String storeName, Arrivals arrivals) {
      this.storeName = storeName;
      this.arrivals = arrivals;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      commands = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, RequestCommand> record) {
      RequestCommand command = record.value();
      if (command == null) {
        return;
      }
      Optional<String> problem = RequestCommands.problem(command);
      if (problem.isPresent()) {
        log.warn(
            "request command ignored key={} commandId={}: {}",
            record.key(),
            command.getCommandId(),
            problem.get());
        return;
      }
      commands.putIfAbsent(RequestCommands.key(command), command);
      arrivals.arrived();
    }
  }
}
