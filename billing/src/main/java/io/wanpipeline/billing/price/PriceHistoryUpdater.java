package io.wanpipeline.billing.price;

import io.wanpipeline.events.Price;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global price-history store: one entry per price version, keyed by {@link
 * PriceKey#versionKey}. Kafka Streams also runs it when it restores the store from its topic.
 */
public final class PriceHistoryUpdater implements Processor<String, Price, Void, Void> {
  private final String storeName;
  private final PriceHistoryChanges changes;
  private KeyValueStore<String, Price> history;

  /** An updater of {@code storeName} that counts its writes in {@code changes}. */
  public PriceHistoryUpdater(String storeName, PriceHistoryChanges changes) {
    this.storeName = storeName;
    this.changes = changes;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    history = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, Price> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      history.delete(record.key());
    } else {
      history.put(record.key(), record.value());
    }
    changes.changed();
  }
}
