package io.wanpipeline.billing;

import io.wanpipeline.billing.charge.BillableStatusDeserializer;
import io.wanpipeline.billing.charge.ChargeDecision;
import io.wanpipeline.billing.charge.ChargeProcessor;
import io.wanpipeline.billing.price.PriceHistoryChanges;
import io.wanpipeline.billing.price.PriceHistoryUpdater;
import io.wanpipeline.billing.price.PriceKey;
import io.wanpipeline.billing.serde.SameRecordSerde;
import io.wanpipeline.billing.totals.CountOnceFilter;
import io.wanpipeline.billing.totals.TotalsAccumulator;
import io.wanpipeline.billing.totals.TotalsKey;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The billing topology, a pure factory.
 *
 * <pre>
 * wan-prices --(re-key by version)--> wan-prices-history --> global PRICE_HISTORY_STORE
 * task-status --> charge (CHARGED_STORE, UNPRICED_STORE, reads prices) --+--> billing-charges
 *                                                                       +--> billing-unpriced
 *        charges --(repartition by account|day|currency)--> count once (COUNTED_STORE)
 *                --> totals (aggregate, cached: TOTALS_STORE) --> billing-totals
 * </pre>
 *
 * The price history lives in its own compacted topic keyed by price version ({@code
 * <wan-prices>-history}, shared by every billing application), because wan-prices is compacted by
 * price key and would lose old versions; the global store is rebuilt from it, in full, before any
 * status is processed. Charges are repartitioned by account and day so each total is kept by
 * exactly one task.
 */
public final class BillingTopology {
  /** Global store of every price version, keyed by {@link PriceKey#versionKey}. */
  public static final String PRICE_HISTORY_STORE = "billing-price-history";

  /** Charges made, keyed by request_id: the idempotency record. */
  public static final String CHARGED_STORE = "billing-charged";

  /** Succeeded requests flagged unpriced, keyed by request_id. */
  public static final String UNPRICED_STORE = "billing-unpriced-requests";

  /**
   * Totals per account, UTC day and currency, keyed by {@code account_id|day|currency}: the totals
   * aggregation's (timestamped) store.
   */
  public static final String TOTALS_STORE = "billing-totals";

  /**
   * Request ids already counted in a total, keyed by request_id (value: the totals key): makes the
   * totals idempotent when a repartitioned charge is read twice without exactly-once.
   */
  public static final String COUNTED_STORE = "billing-totals-counted";

  /** Name of the repartition step that keys charges by account, day and currency. */
  public static final String CHARGES_BY_TOTAL = "charges-by-total";

  private static final Logger log = LoggerFactory.getLogger(BillingTopology.class);

  private BillingTopology() {}

  /**
   * The price-history topic: every price version ever published, keyed by {@link
   * PriceKey#versionKey}, compacted; its name is the wan-prices topic's with {@code -history}.
   */
  public static Topic<String, Price> priceHistory(Topics topics) {
    return new Topic<>(
        topics.wanPrices().name() + "-history", Serdes.String(), topics.wanPrices().valueSerde());
  }

  /**
   * Builds the topology; {@code metrics} receives the charges made and the requests flagged
   * unpriced. The task-status reader looks writer schemas up in {@code topics}' registry to skip
   * non-billable events cheaply.
   */
  public static Topology build(BillingConfig config, Topics topics, BillingMetrics metrics) {
    StreamsBuilder builder = new StreamsBuilder();
    PriceHistoryChanges priceChanges = new PriceHistoryChanges();
    Topic<String, Price> wanPrices = topics.wanPrices();
    Topic<String, Price> versions = priceHistory(topics);
    Topic<String, TaskStatus> taskStatus = topics.taskStatus();
    Topic<String, Charge> charges = topics.billingCharges();
    Topic<String, AccountTotal> totals = topics.billingTotals();

    builder.stream(wanPrices.name(), Consumed.with(wanPrices.keySerde(), wanPrices.valueSerde()))
        .filter((key, price) -> valid(key, price), Named.as("valid-prices"))
        .selectKey(
            (key, price) -> PriceKey.of(price).versionKey(price.getEffectiveFrom()),
            Named.as("key-by-price-version"))
        .to(versions.name(), Produced.with(versions.keySerde(), versions.valueSerde()));

    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PRICE_HISTORY_STORE),
                Serdes.String(),
                versions.valueSerde())
            .withLoggingDisabled(),
        versions.name(),
        Consumed.with(versions.keySerde(), versions.valueSerde()),
        () -> new PriceHistoryUpdater(PRICE_HISTORY_STORE, priceChanges));

    // A charge is written three times (charged store, charges topic, repartition topic): encoded
    // once.
    Serde<Charge> chargeSerde = SameRecordSerde.of(charges.valueSerde());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(CHARGED_STORE), Serdes.String(), chargeSerde));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(UNPRICED_STORE),
            Serdes.String(),
            taskStatus.valueSerde()));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(COUNTED_STORE), Serdes.String(), Serdes.String()));

    // Only SUCCEEDED and LATE_SUCCEEDED events are decoded; the others read as null.
    Serde<TaskStatus> billableStatus =
        Serdes.serdeFrom(
            taskStatus.valueSerde().serializer(),
            new BillableStatusDeserializer(
                taskStatus.valueSerde().deserializer(), topics.registry()));
    KStream<String, ChargeDecision> decisions =
        builder.stream(taskStatus.name(), Consumed.with(taskStatus.keySerde(), billableStatus))
            .process(
                () ->
                    new ChargeProcessor(
                        PRICE_HISTORY_STORE,
                        CHARGED_STORE,
                        UNPRICED_STORE,
                        metrics.charges(),
                        config.accountPricing(),
                        priceChanges),
                Named.as("charge"),
                CHARGED_STORE,
                UNPRICED_STORE);

    KStream<String, Charge> charged =
        decisions
            .filter((k, d) -> d instanceof ChargeDecision.Charged, Named.as("charged"))
            .mapValues(d -> ((ChargeDecision.Charged) d).charge(), Named.as("charge-of"));
    charged.to(charges.name(), Produced.with(charges.keySerde(), chargeSerde));

    decisions
        .filter((k, d) -> d instanceof ChargeDecision.Unpriced, Named.as("unpriced"))
        .mapValues(d -> ((ChargeDecision.Unpriced) d).status(), Named.as("unpriced-status"))
        .to(
            topics.billingUnpriced().name(),
            Produced.with(
                topics.billingUnpriced().keySerde(), topics.billingUnpriced().valueSerde()));

    // The totals are a cached aggregation: a total is written to its store, its changelog and
    // billing-totals once per commit (or cache eviction), not once per charge, in the same
    // transaction as the charges it adds up.
    charged
        .selectKey((requestId, charge) -> TotalsKey.of(charge), Named.as("key-by-total"))
        .repartition(Repartitioned.with(Serdes.String(), chargeSerde).withName(CHARGES_BY_TOTAL))
        .processValues(
            () -> new CountOnceFilter(COUNTED_STORE), Named.as("count-once"), COUNTED_STORE)
        .groupByKey(Grouped.with(Serdes.String(), chargeSerde))
        .aggregate(
            () -> null,
            (key, charge, total) -> TotalsAccumulator.add(total, charge),
            Named.as("totals"),
            Materialized.<String, AccountTotal, KeyValueStore<Bytes, byte[]>>as(TOTALS_STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(totals.valueSerde()))
        .toStream(Named.as("totals-changes"))
        .to(totals.name(), Produced.with(totals.keySerde(), totals.valueSerde()));

    return builder.build();
  }

  private static boolean valid(String key, Price price) {
    if (price == null) {
      log.debug("Price tombstone ignored (price history is append-only): key={}", key);
      return false;
    }
    if (price.getEffectiveFrom().toEpochMilli() < 0 || price.getMicrosPerSecond() < 0) {
      log.warn(
          "Price ignored: effective_from before 1970 or negative amount: key={}, effectiveFrom={}",
          key,
          price.getEffectiveFrom());
      return false;
    }
    String expected = PriceKey.of(price).topicKey();
    if (!expected.equals(key)) {
      log.warn(
          "Price record key differs from its fields, the fields win: key={}, fields={}",
          key,
          expected);
    }
    return true;
  }
}
