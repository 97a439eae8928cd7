package io.wanpipeline.billing.totals;

import io.wanpipeline.events.Charge;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes each request's charge on to the totals once. The counted store remembers every request_id
 * passed, so a charge read twice from the repartition topic (possible without exactly-once) is
 * dropped.
 */
public final class CountOnceFilter implements FixedKeyProcessor<String, Charge, Charge> {
  private static final Logger log = LoggerFactory.getLogger(CountOnceFilter.class);

  private final String countedStore;
  private FixedKeyProcessorContext<String, Charge> context;
  private KeyValueStore<String, String> counted;

  /**
   * @param countedStore the store of request ids already counted (value: their totals key)
   */
  public CountOnceFilter(String countedStore) {
    this.countedStore = countedStore;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Charge> context) {
    this.context = context;
    this.counted = context.getStateStore(countedStore);
  }

  @Override
  public void process(FixedKeyRecord<String, Charge> record) {
    Charge charge = record.value();
    if (charge == null) {
      return;
    }
    if (counted.get(charge.getRequestId()) != null) {
      log.debug(
          "Charge already counted in a total, skipped: requestId={}, taskId={}, total={}",
          charge.getRequestId(),
          charge.getTaskId(),
          record.key());
      return;
    }
    counted.put(charge.getRequestId(), record.key());
    context.forward(record);
  }
}
