package io.wanpipeline.poller;

import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.commands.RequestCommands;
import java.util.Optional;
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
 * tracked task, by its request_id or by its batch.
 */
final class CancelCommands {
  private static final Logger log = LoggerFactory.getLogger(CancelCommands.class);

  private final ReadOnlyKeyValueStore<String, RequestCommand> store;

  CancelCommands(ReadOnlyKeyValueStore<String, RequestCommand> store) {
    this.store = store;
  }

  /** The command that cancels the request of {@code status}, by request or by batch, or empty. */
  Optional<RequestCommand> naming(TaskStatus status) {
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
    private KeyValueStore<String, RequestCommand> commands;

    Updater(String storeName) {
      this.storeName = storeName;
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
    }
  }
}
