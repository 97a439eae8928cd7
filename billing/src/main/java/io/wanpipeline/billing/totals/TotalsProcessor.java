package io.wanpipeline.billing.totals;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds charges (already keyed by {@link TotalsKey}) into the totals store and forwards the new
 * total on every change. Each request_id is counted once: the counted store remembers it, so a
 * charge read twice from the repartition topic (possible without exactly-once) is skipped.
 */
public final class TotalsProcessor implements Processor<String, Charge, String, AccountTotal> {
  private static final Logger log = LoggerFactory.getLogger(TotalsProcessor.class);

  private final String totalsStore;
  private final String countedStore;
  private ProcessorContext<String, AccountTotal> context;
  private KeyValueStore<String, AccountTotal> totals;
  private KeyValueStore<String, String> counted;

  public TotalsProcessor(String totalsStore, String countedStore) {
    this.totalsStore = totalsStore;
    this.countedStore = countedStore;
  }

  @Override
  public void init(ProcessorContext<String, AccountTotal> context) {
    this.context = context;
    this.totals = context.getStateStore(totalsStore);
    this.counted = context.getStateStore(countedStore);
  }

  @Override
  public void process(Record<String, Charge> record) {
    Charge charge = record.value();
    if (charge == null) {
      return;
    }
    String key = TotalsKey.of(charge);
    if (counted.get(charge.getRequestId()) != null) {
      log.debug(
          "Charge already counted in a total, skipped: requestId={}, taskId={}, total={}",
          charge.getRequestId(),
          charge.getTaskId(),
          key);
      return;
    }
    counted.put(charge.getRequestId(), key);
    AccountTotal updated = TotalsAccumulator.add(totals.get(key), charge);
    totals.put(key, updated);
    context.forward(record.withKey(key).withValue(updated));
  }
}
