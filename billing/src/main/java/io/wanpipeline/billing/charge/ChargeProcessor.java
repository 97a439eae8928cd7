package io.wanpipeline.billing.charge;

import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.CachedPriceLookup;
import io.wanpipeline.billing.price.PriceHistoryChanges;
import io.wanpipeline.billing.price.PriceLookup;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskStatus;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Charges each billable request once, counting the charges and the unpriced requests in {@link
 * ChargeMeters}. A request already in the charged (or flagged-unpriced) store is skipped, so a
 * duplicated or replayed status event never counts twice, with or without exactly-once processing.
 */
public final class ChargeProcessor
    implements Processor<String, TaskStatus, String, ChargeDecision> {
  /** Header on billing-unpriced records that says why the request could not be priced. */
  public static final String UNPRICED_REASON_HEADER = "wan-pipeline-unpriced-reason";

  private static final Logger log = LoggerFactory.getLogger(ChargeProcessor.class);

  private final String priceStore;
  private final String chargedStore;
  private final String unpricedStore;
  private final ChargeMeters meters;
  private final AccountPricing pricing;
  private final PriceHistoryChanges priceChanges;
  private ProcessorContext<String, ChargeDecision> context;
  private PriceLookup prices;
  private KeyValueStore<String, Charge> charged;
  private KeyValueStore<String, TaskStatus> unpriced;

  public ChargeProcessor(
      String priceStore,
      String chargedStore,
      String unpricedStore,
      ChargeMeters meters,
      AccountPricing pricing,
      PriceHistoryChanges priceChanges) {
    this.pricing = pricing;
    this.priceChanges = priceChanges;
    this.priceStore = priceStore;
    this.chargedStore = chargedStore;
    this.unpricedStore = unpricedStore;
    this.meters = meters;
  }

  @Override
  public void init(ProcessorContext<String, ChargeDecision> context) {
    this.context = context;
    ReadOnlyKeyValueStore<String, Price> history = context.getStateStore(priceStore);
    this.prices = new CachedPriceLookup(history, priceChanges);
    this.charged = context.getStateStore(chargedStore);
    this.unpriced = context.getStateStore(unpricedStore);
  }

  @Override
  public void process(Record<String, TaskStatus> record) {
    TaskStatus status = record.value();
    if (status == null || !ChargeCalculator.billable(status.getState())) {
      return;
    }
    String requestId = status.getRequestId();
    if (alreadyHandled(requestId)) {
      log.debug(
          "Status already billed, skipped: requestId={}, taskId={}, state={}",
          requestId,
          status.getTaskId(),
          status.getState());
      return;
    }
    ChargeDecision decision = ChargeCalculator.decide(status, prices, pricing);
    if (decision instanceof ChargeDecision.Charged c) {
      charged.put(requestId, c.charge());
      meters.charged(c.charge());
      log.debug(
          "Charged: requestId={}, taskId={}, amountMicros={}, currency={}",
          requestId,
          status.getTaskId(),
          c.charge().getAmountMicros(),
          c.charge().getCurrency());
      context.forward(record.withKey(requestId).withValue(decision));
    } else if (decision instanceof ChargeDecision.Unpriced u) {
      unpriced.put(requestId, status);
      meters.unpriced();
      log.warn(
          "Succeeded task not priced, flagged on billing-unpriced: requestId={}, taskId={},"
              + " model={}, reason={}",
          requestId,
          status.getTaskId(),
          status.getModel(),
          u.reason());
      Record<String, ChargeDecision> out = record.withKey(requestId).withValue(decision);
      out.headers().remove(UNPRICED_REASON_HEADER);
      out.headers().add(UNPRICED_REASON_HEADER, u.reason().getBytes(StandardCharsets.UTF_8));
      context.forward(out);
    }
  }

  private boolean alreadyHandled(String requestId) {
    return charged.get(requestId) != null || unpriced.get(requestId) != null;
  }
}
