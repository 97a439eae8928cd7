package io.wanpipeline.status;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.status.view.IndexKeys;
import io.wanpipeline.status.view.Lifecycles;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The status view's topology: every {@code task-status} event folds into its request's {@link
 * RequestLifecycle} ({@link #REQUESTS_STORE}) and updates the request's entries in {@link
 * #INDEX_STORE} (by account, by batch, in flight; {@link IndexKeys}). Both stores are local to the
 * partition of the request, and changelogged.
 */
public final class StatusTopology {
  private StatusTopology() {}

  /** request_id to {@link RequestLifecycle}. */
  public static final String REQUESTS_STORE = "status-requests";

  /** {@link IndexKeys} to the request's latest state (or account, for in-flight entries). */
  public static final String INDEX_STORE = "status-index";

  /** The topology over {@code topics}. */
  public static Topology build(Topics topics) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(REQUESTS_STORE),
            Serdes.String(),
            AvroSerde.forValue(topics.registry(), RequestLifecycle.getClassSchema())));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(INDEX_STORE), Serdes.String(), Serdes.String()));
    builder.stream(
            topics.taskStatus().name(),
            Consumed.with(topics.taskStatus().keySerde(), topics.taskStatus().valueSerde()))
        .process(LifecycleUpdater::new, REQUESTS_STORE, INDEX_STORE);
    return builder.build();
  }

  /** Folds one event into its request's lifecycle and index entries. */
  static final class LifecycleUpdater implements Processor<String, TaskStatus, Void, Void> {
    private KeyValueStore<String, RequestLifecycle> requests;
    private KeyValueStore<String, String> index;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      requests = context.getStateStore(REQUESTS_STORE);
      index = context.getStateStore(INDEX_STORE);
    }

    @Override
    public void process(Record<String, TaskStatus> record) {
      TaskStatus status = record.value();
      if (status == null) {
        return; // a tombstone: task-status has none, and a delete is no event
      }
      String id = status.getRequestId();
      RequestLifecycle lifecycle = Lifecycles.next(requests.get(id), status);
      requests.put(id, lifecycle);
      String state = status.getState().name();
      index.put(IndexKeys.account(status.getAccountId()) + id, state);
      Lifecycles.batch(status).ifPresent(batch -> index.put(IndexKeys.batch(batch) + id, state));
      if (Lifecycles.inFlight(lifecycle)) {
        index.put(IndexKeys.IN_FLIGHT + id, status.getAccountId());
      } else {
        index.delete(IndexKeys.IN_FLIGHT + id);
      }
    }
  }
}
