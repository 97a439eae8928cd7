package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.commands.RequestCommands;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * A request found unnamed is looked up again once a command arrives, or after {@link
 * CancelCommands#RECHECK_EVERY}; the routes through the topology (a command cancelling a task at
 * its next poll) are {@code PollerTopologyTest}'s.
 */
class CancelCommandsTest {
  private static final Instant T0 = Tasks.T0;

  /** The global store as the processor sees it: read-only, here a map the test writes to. */
  private static final class MapStore implements ReadOnlyKeyValueStore<String, RequestCommand> {
    final Map<String, RequestCommand> entries = new HashMap<>();
    int reads;

    @Override
    public RequestCommand get(String key) {
      reads++;
      return entries.get(key);
    }

    @Override
    public KeyValueIterator<String, RequestCommand> range(String from, String to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public KeyValueIterator<String, RequestCommand> all() {
      throw new UnsupportedOperationException();
    }

    @Override
    public long approximateNumEntries() {
      return entries.size();
    }
  }

  private final MapStore store = new MapStore();
  private final CancelCommands.Arrivals arrivals = new CancelCommands.Arrivals();
  private final CancelCommands commands = new CancelCommands(store, arrivals);
  private final TaskStatus task = Tasks.submitted("req-1", "task-1");

  private RequestCommand cancelReq1() {
    RequestCommand cancel = RequestCommands.cancelRequest("req-1", "stop", "ops", T0);
    store.entries.put(RequestCommands.requestKey("req-1"), cancel);
    return cancel;
  }

  @Test
  void aRequestFoundUnnamedIsNotReadAgainUntilACommandArrives() {
    assertThat(commands.naming(task, T0)).isEmpty();
    int reads = store.reads;
    assertThat(commands.naming(task, T0.plusSeconds(7))).isEmpty();
    assertThat(store.reads).as("the second poll reads nothing").isEqualTo(reads);

    RequestCommand cancel = cancelReq1();
    arrivals.arrived();

    assertThat(commands.naming(task, T0.plusSeconds(14))).contains(cancel);
  }

  @Test
  void aCommandThatBypassedTheUpdaterIsSeenWithinTheRecheckPeriod() {
    assertThat(commands.naming(task, T0)).isEmpty();
    RequestCommand cancel = cancelReq1(); // restored into the store: no arrival counted

    assertThat(commands.naming(task, T0.plus(CancelCommands.RECHECK_EVERY).minusMillis(1)))
        .isEmpty();
    assertThat(commands.naming(task, T0.plus(CancelCommands.RECHECK_EVERY))).contains(cancel);
  }

  @Test
  void aBatchCommandNamesTheBatchsRequestsOnceItArrives() {
    TaskStatus inBatch =
        TaskStatus.newBuilder(task)
            .setMetadata(Map.of(RequestCommands.BATCH_ID_METADATA, "b1"))
            .build();
    assertThat(commands.naming(inBatch, T0)).isEmpty();

    RequestCommand cancel = RequestCommands.cancelBatch("b1", null, "ops", T0);
    store.entries.put(RequestCommands.batchKey("b1"), cancel);
    arrivals.arrived();

    assertThat(commands.naming(inBatch, T0.plusSeconds(5))).contains(cancel);
  }
}
