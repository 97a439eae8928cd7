package io.wanpipeline.billing;

import static io.wanpipeline.billing.BillingFixtures.price;
import static io.wanpipeline.billing.BillingFixtures.status;
import static io.wanpipeline.billing.BillingFixtures.succeeded;
import static io.wanpipeline.billing.BillingFixtures.usage;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.billing.charge.ChargeProcessor;
import io.wanpipeline.billing.price.PriceKey;
import io.wanpipeline.billing.totals.TotalsKey;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.ModelTotal;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BillingTopologyTest {
  private static final Instant EPOCH = Instant.EPOCH;
  private static final Instant MARCH_1 = Instant.parse("2026-03-01T10:00:00Z");

  private final Path stateDir = Path.of("target", "streams-state", UUID.randomUUID().toString());

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final Topics topics = new Topics(TopicNames.withPrefix("t-"), registry);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final BillingMetrics metrics = new BillingMetrics(meters);
  private TopologyTestDriver driver;
  private TestInputTopic<String, Price> prices;
  private TestInputTopic<String, TaskStatus> statuses;
  private TestOutputTopic<String, Charge> charges;
  private TestOutputTopic<String, AccountTotal> totals;
  private TestOutputTopic<String, TaskStatus> unpriced;

  @BeforeEach
  void start() {
    start(Map.of(), Map.of());
  }

  private void start(Map<String, String> extra, Map<String, Object> streamsOverrides) {
    if (driver != null) {
      driver.close();
    }
    Map<String, String> values =
        new java.util.HashMap<>(
            Map.of(
                "kafka.bootstrap.servers", "unused:9092",
                "schema-registry.url", "http://unused",
                "billing.application-id", "billing-test",
                "billing.state-dir", stateDir.toString()));
    values.putAll(extra);
    BillingConfig config = BillingConfig.from(Settings.of(values));
    java.util.Properties props = BillingService.streamsProperties(config, metrics);
    props.putAll(streamsOverrides);
    driver = new TopologyTestDriver(BillingTopology.build(config, topics, metrics), props);
    prices = input(topics.wanPrices());
    statuses = input(topics.taskStatus());
    charges = output(topics.billingCharges());
    totals = output(topics.billingTotals());
    unpriced = output(topics.billingUnpriced());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void billsSucceededTaskExactlyOnceEvenWhenItsEventIsDuplicated() {
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    TaskStatus done = succeeded("r1", "acme", "wan2.2-i2v-flash", "480P", 5_000, MARCH_1);

    send(done);
    send(done);
    send(TaskStatus.newBuilder(done).setEventTime(MARCH_1.plusSeconds(60)).build());

    List<KeyValue<String, Charge>> billed = charges.readKeyValuesToList();
    assertThat(billed).as("one charge for three copies of the event").hasSize(1);
    Charge charge = billed.get(0).value;
    assertThat(billed.get(0).key).isEqualTo("r1");
    assertThat(charge.getAmountMicros()).isEqualTo(500_000);
    assertThat(charge.getBillableMillis()).isEqualTo(5_000);
    assertThat(charge.getUnitPriceMicros()).isEqualTo(100_000);
    assertThat(charge.getCurrency()).isEqualTo("CNY");
    assertThat(charge.getTier()).isEqualTo("480P");
    assertThat(charge.getDay()).isEqualTo("2026-03-01");
    assertThat(charge.getCompletedAt()).isEqualTo(MARCH_1);
    assertThat(charge.getTaskId()).isEqualTo("task-r1");
    assertThat(totals.readValuesToList()).hasSize(1);
    assertThat(counted("wan.billing.charges", "currency", "CNY")).as("one charge").isEqualTo(1);
    assertThat(counted("wan.billing.charged.amount", "currency", "CNY")).isEqualTo(500_000);
    assertThat(counted("wan.billing.billable", "model", "wan2.2-i2v-flash")).isEqualTo(5.0);
  }

  @Test
  void chargesFractionalSecondsToTheMillisecond() {
    publish(price("wan2.2-s2v", "480P", false, 500_000, EPOCH));

    send(succeeded("r1", "acme", "wan2.2-s2v", "480P", 10_230, MARCH_1));

    Charge charge = charges.readValue();
    assertThat(charge.getBillableMillis()).isEqualTo(10_230);
    assertThat(charge.getAmountMicros()).as("10.23 s x CNY 0.50").isEqualTo(5_115_000);
  }

  @Test
  void chargesNothingForStatesOtherThanSuccess() {
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    for (TaskState state :
        List.of(
            TaskState.SUBMITTED,
            TaskState.PENDING,
            TaskState.RUNNING,
            TaskState.FAILED,
            TaskState.CANCELED,
            TaskState.TIMED_OUT,
            TaskState.UNKNOWN,
            TaskState.REJECTED,
            TaskState.ARCHIVE_FAILED)) {
      send(
          status("r-" + state, "acme", "wan2.2-i2v-flash", state)
              .setRequestedResolution("480P")
              .setRequestedDuration(5)
              .setUsage(usage(5_000, "480P", null))
              .build());
    }

    assertThat(charges.isEmpty()).isTrue();
    assertThat(totals.isEmpty()).isTrue();
    assertThat(unpriced.isEmpty()).isTrue();
    assertThat(meters.get("wan.billing.unpriced").functionCounter().count()).isZero();
    assertThat(meters.find("wan.billing.charges").counters()).isEmpty();
  }

  @Test
  void archivedAfterSucceededIsNotBilledAgainAndLateSuccessIsBilled() {
    publish(price("wan2.2-i2v-flash", "720P", false, 200_000, EPOCH));
    TaskStatus done = succeeded("r1", "acme", "wan2.2-i2v-flash", "720P", 5_000, MARCH_1);
    send(done);
    send(TaskStatus.newBuilder(done).setState(TaskState.ARCHIVED).build());
    send(
        TaskStatus.newBuilder(succeeded("r2", "acme", "wan2.2-i2v-flash", "720P", 5_000, MARCH_1))
            .setState(TaskState.LATE_SUCCEEDED)
            .build());

    assertThat(charges.readKeyValuesToList())
        .extracting(kv -> kv.key, kv -> kv.value.getAmountMicros())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("r1", 1_000_000L),
            org.assertj.core.groups.Tuple.tuple("r2", 1_000_000L));
  }

  @Test
  void priceUpdateEffectiveLaterDoesNotChangeEarlierTasks() {
    Instant april = Instant.parse("2026-04-01T00:00:00Z");
    publish(price("wan2.5-t2v-preview", "720P", false, 600_000, EPOCH));
    send(succeeded("before", "acme", "wan2.5-t2v-preview", "720P", 10_000, MARCH_1));

    publish(price("wan2.5-t2v-preview", "720P", false, 800_000, april));
    // Completed in March but billed only now, after the April price was published.
    send(
        succeeded(
            "late-event",
            "acme",
            "wan2.5-t2v-preview",
            "720P",
            10_000,
            Instant.parse("2026-03-31T23:59:59.999Z")));
    send(succeeded("after", "acme", "wan2.5-t2v-preview", "720P", 10_000, april));

    Map<String, Charge> billed = charges.readKeyValuesToMap();
    assertThat(billed).hasSize(3);
    assertThat(billed.get("before").getAmountMicros()).isEqualTo(6_000_000);
    assertThat(billed.get("late-event").getAmountMicros()).isEqualTo(6_000_000);
    assertThat(billed.get("late-event").getPriceEffectiveFrom()).isEqualTo(EPOCH);
    assertThat(billed.get("after").getAmountMicros()).isEqualTo(8_000_000);
    assertThat(billed.get("after").getPriceEffectiveFrom()).isEqualTo(april);
  }

  @Test
  void flagsSucceededTaskWithoutPriceOnce() {
    TaskStatus horse = succeeded("h1", "acme", "happyhorse-1.0-t2v", "1080P", 5_000, MARCH_1);

    send(horse);
    send(horse);

    List<TestRecord<String, TaskStatus>> flagged = unpriced.readRecordsToList();
    assertThat(flagged).hasSize(1);
    assertThat(flagged.get(0).key()).isEqualTo("h1");
    assertThat(flagged.get(0).value().getModel()).isEqualTo("happyhorse-1.0-t2v");
    Header reason = flagged.get(0).headers().lastHeader(ChargeProcessor.UNPRICED_REASON_HEADER);
    assertThat(new String(reason.value(), StandardCharsets.UTF_8))
        .contains("no price in force")
        .contains("cn-main|happyhorse-1.0-t2v|1080P|false");
    assertThat(meters.get("wan.billing.unpriced").functionCounter().count()).isEqualTo(1);
    assertThat(meters.find("wan.billing.charges").counters()).isEmpty();
    assertThat(charges.isEmpty()).isTrue();
    assertThat(totals.isEmpty()).isTrue();
  }

  @Test
  void usesTheAudioPriceOnlyWhereOneExists() {
    publish(price("wan2.6-i2v-flash", "720P", true, 300_000, EPOCH));
    publish(price("wan2.6-i2v-flash", "720P", false, 150_000, EPOCH));
    publish(price("wan2.6-i2v", "720P", false, 600_000, EPOCH));

    send(
        status("with-audio", "acme", "wan2.6-i2v-flash", TaskState.SUCCEEDED)
            .setUsage(usage(2_000, "720P", true))
            .build());
    send(
        status("silent", "acme", "wan2.6-i2v-flash", TaskState.SUCCEEDED)
            .setRequestedAudio(false)
            .setUsage(usage(2_000, "720P", null))
            .build());
    send(
        status("requested-audio", "acme", "wan2.6-i2v", TaskState.SUCCEEDED)
            .setRequestedAudio(true)
            .setUsage(usage(2_000, "720P", null))
            .build());

    Map<String, Charge> billed = charges.readKeyValuesToMap();
    assertThat(billed.get("with-audio").getAmountMicros()).isEqualTo(600_000);
    assertThat(billed.get("with-audio").getAudio()).isTrue();
    assertThat(billed.get("silent").getAmountMicros()).isEqualTo(300_000);
    assertThat(billed.get("silent").getAudio()).isFalse();
    assertThat(billed.get("requested-audio").getAmountMicros()).isEqualTo(1_200_000);
    assertThat(billed.get("requested-audio").getAudio())
        .as("a model without an audio price is billed at its only price, as silent")
        .isFalse();
  }

  @Test
  void accountPriceWinsOverAnyAccountPrice() {
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    publish(price("cn-main", "wan2.2-i2v-flash", "480P", false, 90_000, EPOCH));

    send(succeeded("r1", "acme", "wan2.2-i2v-flash", "480P", 5_000, MARCH_1));

    assertThat(charges.readValue().getUnitPriceMicros()).isEqualTo(90_000);
  }

  @Test
  void takesTheRequestedResolutionWhenTheProviderReportsNoTier() {
    publish(price("wan2.2-i2v-flash", "720P", false, 200_000, EPOCH));

    send(
        status("r1", "acme", "wan2.2-i2v-flash", TaskState.SUCCEEDED)
            .setRequestedResolution("720p")
            .setUsage(usage(5_000, null, null))
            .build());

    Charge charge = charges.readValue();
    assertThat(charge.getTier()).isEqualTo("720P");
    assertThat(charge.getAmountMicros()).isEqualTo(1_000_000);
  }

  @Test
  void totalsByAccountDayAndCurrencyWithPerModelBreakdown() {
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    publish(price("wan2.2-s2v", "480P", false, 500_000, EPOCH));
    Instant day1 = Instant.parse("2026-03-01T23:59:59Z");
    Instant day2 = Instant.parse("2026-03-02T00:00:01Z");

    send(succeeded("a1", "acme", "wan2.2-i2v-flash", "480P", 5_000, day1));
    send(succeeded("a2", "acme", "wan2.2-s2v", "480P", 10_230, day1));
    send(succeeded("a3", "acme", "wan2.2-i2v-flash", "480P", 5_000, day1));
    send(succeeded("a4", "acme", "wan2.2-i2v-flash", "480P", 5_000, day2));
    send(succeeded("b1", "globex", "wan2.2-i2v-flash", "480P", 5_000, day1));

    Map<String, AccountTotal> latest = totals.readKeyValuesToMap();
    assertThat(latest)
        .containsOnlyKeys("acme|2026-03-01|CNY", "acme|2026-03-02|CNY", "globex|2026-03-01|CNY");
    AccountTotal acmeDay1 = latest.get("acme|2026-03-01|CNY");
    assertThat(acmeDay1.getAmountMicros()).isEqualTo(500_000 + 5_115_000 + 500_000);
    assertThat(acmeDay1.getBillableMillis()).isEqualTo(20_230);
    assertThat(acmeDay1.getTaskCount()).isEqualTo(3);
    assertThat(acmeDay1.getUpdatedAt()).isEqualTo(day1);
    assertThat(acmeDay1.getModels())
        .containsOnlyKeys("wan2.2-i2v-flash", "wan2.2-s2v")
        .containsEntry("wan2.2-i2v-flash", new ModelTotal(1_000_000L, 10_000L, 2L))
        .containsEntry("wan2.2-s2v", new ModelTotal(5_115_000L, 10_230L, 1L));
    assertThat(latest.get("acme|2026-03-02|CNY").getAmountMicros()).isEqualTo(500_000);
    assertThat(latest.get("globex|2026-03-01|CNY").getTaskCount()).isEqualTo(1);

    KeyValueStore<String, AccountTotal> store =
        driver.getKeyValueStore(BillingTopology.TOTALS_STORE);
    assertThat(store.get(TotalsKey.of("acme", "2026-03-01", "CNY"))).isEqualTo(acmeDay1);
  }

  @Test
  void replayingEveryEventAgainLeavesTotalsUnchanged() {
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    List<TaskStatus> events =
        List.of(
            succeeded("a1", "acme", "wan2.2-i2v-flash", "480P", 5_000, MARCH_1),
            succeeded("a2", "acme", "wan2.2-i2v-flash", "480P", 4_321, MARCH_1));
    events.forEach(this::send);
    Map<String, AccountTotal> first = totals.readKeyValuesToMap();

    events.forEach(this::send);

    assertThat(totals.isEmpty()).as("a replay emits no new totals").isTrue();
    KeyValueStore<String, AccountTotal> store =
        driver.getKeyValueStore(BillingTopology.TOTALS_STORE);
    assertThat(store.get("acme|2026-03-01|CNY")).isEqualTo(first.get("acme|2026-03-01|CNY"));
    assertThat(first.get("acme|2026-03-01|CNY").getAmountMicros()).isEqualTo(500_000 + 432_100);
  }

  @Test
  void keepsEveryPriceVersionInTheHistoryStore() {
    Instant april = Instant.parse("2026-04-01T00:00:00Z");
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    publish(price("wan2.2-i2v-flash", "480P", false, 120_000, april));

    KeyValueStore<String, Price> history =
        driver.getKeyValueStore(BillingTopology.PRICE_HISTORY_STORE);
    PriceKey key = new PriceKey("*", "wan2.2-i2v-flash", "480P", false);
    assertThat(history.get(key.versionKey(EPOCH)).getMicrosPerSecond()).isEqualTo(100_000);
    assertThat(history.get(key.versionKey(april)).getMicrosPerSecond()).isEqualTo(120_000);
  }

  @Test
  void totalsCountARepartitionedChargeOnceEvenWithoutExactlyOnce() {
    start(
        Map.of(),
        Map.of(
            org.apache.kafka.streams.StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
            org.apache.kafka.streams.StreamsConfig.AT_LEAST_ONCE));
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    send(succeeded("r1", "acme", "wan2.2-i2v-flash", "480P", 5_000, MARCH_1));
    Charge charge = charges.readValue();
    TestInputTopic<String, Charge> repartition =
        driver.createInputTopic(
            "billing-test-" + BillingTopology.CHARGES_BY_TOTAL + "-repartition",
            topics.billingCharges().keySerde().serializer(),
            topics.billingCharges().valueSerde().serializer());

    // The same repartition record again, as a consumer that did not commit would read it.
    repartition.pipeInput(TotalsKey.of(charge), charge);
    repartition.pipeInput(TotalsKey.of(charge), charge);

    assertThat(totals.readValuesToList()).as("only the first reading makes a total").hasSize(1);
    KeyValueStore<String, AccountTotal> store =
        driver.getKeyValueStore(BillingTopology.TOTALS_STORE);
    AccountTotal total = store.get("acme|2026-03-01|CNY");
    assertThat(total.getAmountMicros()).isEqualTo(500_000);
    assertThat(total.getTaskCount()).isEqualTo(1);
  }

  @Test
  void keepsTheProvidersOwnReportedCostBesideOurs() {
    publish(price("wan2.6-i2v", "720P", false, 600_000, EPOCH));
    TaskStatus vtrix =
        TaskStatus.newBuilder(succeeded("v1", "acme", "wan2.6-i2v", "720P", 5_000, MARCH_1))
            .setProviderAccount("vtrix")
            .setUsage(
                io.wanpipeline.events.Usage.newBuilder(usage(5_000, "720P", null))
                    .setProviderCost("0.42")
                    .setProviderCostCurrency("USD")
                    .build())
            .build();

    send(vtrix);

    Charge charge = charges.readValue();
    assertThat(charge.getAmountMicros()).isEqualTo(3_000_000);
    assertThat(charge.getProviderCost()).isEqualTo("0.42");
    assertThat(charge.getProviderCostCurrency()).isEqualTo("USD");
  }

  @Test
  void gatewayAccountIsBilledTheMarkedUpPriceInItsCurrency() {
    start(
        Map.of(
            "provider.accounts", "cn-main,apiyi",
            "provider.apiyi.price-markup", "0.14",
            "provider.apiyi.price-currency", "USD"),
        Map.of());
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));

    send(
        TaskStatus.newBuilder(succeeded("g1", "acme", "wan2.2-i2v-flash", "480P", 5_000, MARCH_1))
            .setProviderAccount("apiyi")
            .build());
    send(succeeded("o1", "acme", "wan2.2-i2v-flash", "480P", 5_000, MARCH_1));

    Map<String, Charge> billed = charges.readKeyValuesToMap();
    assertThat(billed.get("g1").getCurrency()).isEqualTo("USD");
    assertThat(billed.get("g1").getUnitPriceMicros()).isEqualTo(14_000);
    assertThat(billed.get("g1").getAmountMicros()).isEqualTo(70_000);
    assertThat(billed.get("g1").getPriceMarkup()).isEqualTo("0.14");
    assertThat(billed.get("o1").getCurrency()).isEqualTo("CNY");
    assertThat(totals.readKeyValuesToMap())
        .containsOnlyKeys("acme|2026-03-01|USD", "acme|2026-03-01|CNY");
    assertThat(counted("wan.billing.charges", "currency", "USD")).isEqualTo(1);
    assertThat(counted("wan.billing.charged.amount", "currency", "USD"))
        .as("micro-dollars, apart from the yuan")
        .isEqualTo(70_000);
    assertThat(counted("wan.billing.charged.amount", "currency", "CNY")).isEqualTo(500_000);
    assertThat(counted("wan.billing.billable", "model", "wan2.2-i2v-flash"))
        .as("seconds of both currencies")
        .isEqualTo(10.0);
  }

  @Test
  void deadLettersAnUnreadableStatusRecordAndCountsItByTopic() {
    // TopologyTestDriver (4.4) hands back no dead letter under exactly-once (it does under
    // at-least-once); a real broker commits it with the offset (PollerIT, MonitoringIT), so this
    // test reads it without exactly-once.
    start(Map.of(), Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
    publish(price("wan2.2-i2v-flash", "480P", false, 100_000, EPOCH));
    driver
        .createInputTopic(
            topics.taskStatus().name(),
            new org.apache.kafka.common.serialization.StringSerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())
        .pipeInput("garbled", new byte[] {1, 2, 3});
    send(succeeded("r1", "acme", "wan2.2-i2v-flash", "480P", 5_000, MARCH_1));

    assertThat(charges.readKeyValuesToList())
        .extracting(kv -> kv.key)
        .as("the next record is billed")
        .containsExactly("r1");
    var deadLetters =
        driver
            .createOutputTopic(
                TopicNames.DEFAULT.billingDlq(),
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())
            .readRecordsToList();
    assertThat(deadLetters).hasSize(1);
    assertThat(deadLetters.get(0).key()).isEqualTo("garbled");
    assertThat(deadLetters.get(0).value()).containsExactly(1, 2, 3);
    assertThat(
            new String(
                deadLetters.get(0).headers().lastHeader("__streams.errors.topic").value(),
                java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(topics.taskStatus().name());
    assertThat(counted("wan.records.unreadable", "topic", topics.taskStatus().name())).isEqualTo(1);
  }

  private double counted(String meter, String tag, String value) {
    return meters.get(meter).tag(tag, value).counter().count();
  }

  private void publish(Price price) {
    prices.pipeInput(PriceKey.of(price).topicKey(), price);
  }

  private void send(TaskStatus status) {
    statuses.pipeInput(status.getRequestId(), status);
  }

  private <V> TestInputTopic<String, V> input(Topic<String, V> topic) {
    return driver.createInputTopic(
        topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  private <V> TestOutputTopic<String, V> output(Topic<String, V> topic) {
    return driver.createOutputTopic(
        topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }
}
