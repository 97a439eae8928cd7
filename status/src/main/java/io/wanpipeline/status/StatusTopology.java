package io.wanpipeline.status;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
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
 * #INDEX_STORE} (by account, by batch, in flight, failed, recent; {@link IndexKeys}); every {@code
 * billing-charges} record is kept as the request's charge ({@link #CHARGES_STORE}). The stores are
 * local to the partition of the request, and changelogged. The latest {@code billing-totals} are
 * kept by day ({@link #TOTALS_STORE}), for the console's spend of the day.
 */
public final class StatusTopology {
  private StatusTopology() {}

  /** request_id to {@link RequestLifecycle}. */
  public static final String REQUESTS_STORE = "status-requests";

  /** {@link IndexKeys} to the request's latest state (or account, for in-flight entries). */
  public static final String INDEX_STORE = "status-index";

  /**
   * request_id to its {@link Charge}, copied from {@code billing-charges} (keyed and partitioned as
   * {@code task-status}, so a request's charge is in the same task as its lifecycle).
   */
  public static final String CHARGES_STORE = "status-charges";

  /**
   * {@code <day>|<account_id>|<currency>} to the latest {@link AccountTotal} of {@code
   * billing-totals}: the day first, so that one day's spend is one prefix (the console's "spend
   * today"). Its own sub-topology: billing-totals is keyed by account, day and currency.
   */
  public static final String TOTALS_STORE = "status-totals";

  /** The key of {@code total} in {@link #TOTALS_STORE}. */
  public static String totalsKey(AccountTotal total) {
    return total.getDay() + "|" + total.getAccountId() + "|" + total.getCurrency();
  }

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
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(CHARGES_STORE),
            Serdes.String(),
            topics.billingCharges().valueSerde()));
    builder.stream(
            topics.taskStatus().name(),
            Consumed.with(topics.taskStatus().keySerde(), topics.taskStatus().valueSerde()))
        // Also connected to the charges store: that makes both inputs one sub-topology, so the
        // tasks of a partition hold its lifecycles and its charges (Kafka Streams then checks
        // that task-status and billing-charges have as many partitions).
        .process(LifecycleUpdater::new, REQUESTS_STORE, INDEX_STORE, CHARGES_STORE);
    builder.stream(
            topics.billingCharges().name(),
            Consumed.with(topics.billingCharges().keySerde(), topics.billingCharges().valueSerde()))
        .process(ChargeKeeper::new, CHARGES_STORE);
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(TOTALS_STORE),
            Serdes.String(),
            topics.billingTotals().valueSerde()));
    builder.stream(
            topics.billingTotals().name(),
            Consumed.with(topics.billingTotals().keySerde(), topics.billingTotals().valueSerde()))
        .process(TotalsKeeper::new, TOTALS_STORE);
    return builder.build();
  }

  /** Keeps each request's charge beside its lifecycle. */
  static final class ChargeKeeper implements Processor<String, Charge, Void, Void> {
    private KeyValueStore<String, Charge> charges;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      charges = context.getStateStore(CHARGES_STORE);
    }

    @Override
    public void process(Record<String, Charge> record) {
      if (record.value() != null) {
        charges.put(record.value().getRequestId(), record.value());
      }
    }
  }

  /** Keeps the latest total of each account, day and currency, by day first. */
  static final class TotalsKeeper implements Processor<String, AccountTotal, Void, Void> {
    private KeyValueStore<String, AccountTotal> totals;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      totals = context.getStateStore(TOTALS_STORE);
    }

    @Override
    public void process(Record<String, AccountTotal> record) {
      if (record.value() != null) {
        totals.put(totalsKey(record.value()), record.value());
      }
    }
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
      RequestLifecycle previous = requests.get(id);
      RequestLifecycle lifecycle = Lifecycles.next(previous, status);
      requests.put(id, lifecycle);
      long at = status.getEventTime().toEpochMilli();
      if (previous != null) {
        long before = previous.getLatest().getEventTime().toEpochMilli();
        index.delete(IndexKeys.recent(before, id));
        if (Lifecycles.failed(previous)) {
          index.delete(IndexKeys.failed(before, id));
        }
      }
      index.put(IndexKeys.recent(at, id), status.getAccountId());
      if (Lifecycles.failed(lifecycle)) {
        index.put(IndexKeys.failed(at, id), status.getAccountId());
      }
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
