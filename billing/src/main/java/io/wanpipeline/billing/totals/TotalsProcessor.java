package io.wanpipeline.billing.totals;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Folds charges (already keyed by {@link TotalsKey}) into the totals store and forwards the new
 * total on every change.
 */
public final class TotalsProcessor implements Processor<String, Charge, String, AccountTotal> {
  private final String totalsStore;
  private ProcessorContext<String, AccountTotal> context;
  private KeyValueStore<String, AccountTotal> totals;

  public TotalsProcessor(String totalsStore) {
    this.totalsStore = totalsStore;
  }

  @Override
  public void init(ProcessorContext<String, AccountTotal> context) {
    this.context = context;
    this.totals = context.getStateStore(totalsStore);
  }

  @Override
  public void process(Record<String, Charge> record) {
    Charge charge = record.value();
    if (charge == null) {
      return;
    }
    String key = TotalsKey.of(charge);
    AccountTotal updated = TotalsAccumulator.add(totals.get(key), charge);
    totals.put(key, updated);
    context.forward(record.withKey(key).withValue(updated));
  }
}
