package io.wanpipeline.infra.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.billing.BillingConfig;
import io.wanpipeline.billing.BillingService;
import io.wanpipeline.billing.BillingTopology;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.ModelTotal;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.Usage;
import io.wanpipeline.infra.cli.PublishPricesCommand;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Billing over a real broker and registry: seeded prices and succeeded statuses in, money out. */
@ExtendWith(KafkaBroker.class)
class BillingIT {
  private static final Instant DAY_1 = Instant.parse("2026-03-01T08:00:00Z");
  private static final Instant DAY_2 = Instant.parse("2026-03-02T23:00:00Z");

  @TempDir Path stateDir;

  private KafkaBroker.Info kafka;
  private LocalSchemaRegistry registry;
  private Topics topics;
  private String prefix;
  private final List<BillingService> services = new ArrayList<>();

  @BeforeEach
  void setUp(KafkaBroker.Info kafka) {
    this.kafka = kafka;
    registry = new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0);
    prefix = kafka.uniqueName("billing") + ".";
    topics = new Topics(TopicNames.withPrefix(prefix), SchemaRegistryClient.of(registry.url()));
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      TopicProvisioner.ensure(admin, TopicSpec.pipeline(topics.names(), 3, (short) 1));
    }
  }

  @AfterEach
  void tearDown() {
    services.forEach(BillingService::close);
    registry.close();
  }

  @Test
  void chargesAndTotalsEqualSecondsTimesPriceToTheMicroUnit() throws Exception {
    // An operator's price published before billing first starts: the seed must not replace it.
    produce(
        topics.wanPrices(),
        "*|wan2.2-i2v-flash|720P|false",
        Price.newBuilder()
            .setProviderAccount("*")
            .setModel("wan2.2-i2v-flash")
            .setTier("720P")
            .setAudio(false)
            .setCurrency("CNY")
            .setMicrosPerSecond(250_000)
            .setEffectiveFrom(Instant.EPOCH)
            .setSource("operator")
            .build());
    BillingService billing = start("billing-a");

    TaskStatus s2v = succeeded("r-s2v", "acme", "wan2.2-s2v", "480P", 10_230, null, DAY_1);
    send(s2v);
    send(succeeded("r-flash-480", "acme", "wan2.2-i2v-flash", "480P", 5_000, null, DAY_1));
    send(succeeded("r-flash-720", "acme", "wan2.2-i2v-flash", "720P", 5_000, null, DAY_1));
    send(succeeded("r-audio", "globex", "wan2.6-i2v-flash", "1080P", 3_500, true, DAY_2));
    send(s2v);
    send(failed("r-failed", "acme", "wan2.2-i2v-flash"));
    send(succeeded("r-horse", "acme", "happyhorse-1.0-t2v", "1080P", 5_000, null, DAY_1));

    Map<String, Charge> charges = new HashMap<>();
    List<ConsumerRecord<String, Charge>> chargeRecords = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              chargeRecords.clear();
              chargeRecords.addAll(readAll(topics.billingCharges()));
              assertThat(chargeRecords).hasSizeGreaterThanOrEqualTo(4);
            });
    chargeRecords.forEach(r -> charges.put(r.key(), r.value()));
    assertThat(chargeRecords).as("one charge per billed request").hasSize(4);
    assertThat(charges.get("r-s2v").getAmountMicros())
        .as("10.23 s x CNY 0.50")
        .isEqualTo(5_115_000);
    assertThat(charges.get("r-flash-480").getAmountMicros())
        .as("5 s x CNY 0.10")
        .isEqualTo(500_000);
    assertThat(charges.get("r-flash-720").getAmountMicros())
        .as("5 s x the operator's CNY 0.25, not the seed's 0.20")
        .isEqualTo(1_250_000);
    assertThat(charges.get("r-audio").getAmountMicros())
        .as("3.5 s x CNY 0.50 with audio")
        .isEqualTo(1_750_000);
    assertThat(charges.get("r-audio").getAudio()).isTrue();
    assertThat(charges).doesNotContainKeys("r-failed", "r-horse");

    Map<String, AccountTotal> totals = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              readAll(topics.billingTotals()).forEach(r -> totals.put(r.key(), r.value()));
              assertThat(totals.get("acme|2026-03-01|CNY"))
                  .isNotNull()
                  .extracting(AccountTotal::getTaskCount)
                  .isEqualTo(3L);
            });
    AccountTotal acme = totals.get("acme|2026-03-01|CNY");
    assertThat(acme.getAmountMicros()).isEqualTo(5_115_000 + 500_000 + 1_250_000);
    assertThat(acme.getBillableMillis()).isEqualTo(20_230);
    assertThat(acme.getModels())
        .containsEntry("wan2.2-s2v", new ModelTotal(5_115_000L, 10_230L, 1L))
        .containsEntry("wan2.2-i2v-flash", new ModelTotal(1_750_000L, 10_000L, 2L));
    assertThat(totals.get("globex|2026-03-02|CNY").getAmountMicros()).isEqualTo(1_750_000);

    assertThat(billing.totals("acme", LocalDate.parse("2026-03-01"), LocalDate.parse("2026-03-02")))
        .containsExactly(acme);
    assertThat(
            billing.totals("globex", LocalDate.parse("2026-03-01"), LocalDate.parse("2026-03-01")))
        .isEmpty();
    await().atMost(Duration.ofSeconds(30)).until(() -> billing.unpricedCount() == 1);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    billing.meters().add(meters);
    assertThat(meters.get("wan.billing.unpriced").functionCounter().count())
        .as("the unpriced count is a meter (wan_billing_unpriced_total on /metrics)")
        .isEqualTo(1.0);
    assertThat(readAll(topics.billingUnpriced()))
        .extracting(ConsumerRecord::key)
        .containsExactly("r-horse");
  }

  @Test
  void aPublishedPriceAppliesToTasksCompletedFromItsEffectiveTime() throws Exception {
    BillingService billing = start("billing-prices");
    Instant from = DAY_1.plus(Duration.ofHours(2));
    Path file = stateDir.resolve("update.csv");
    Files.writeString(
        file,
        "# a price rise for one model and tier\n"
            + "*,wan2.2-i2v-flash,480P,false,CNY,0.12,"
            + from
            + ",2026-03 list\n");
    Path config = stateDir.resolve("billing.properties");
    Files.writeString(
        config,
        "kafka.bootstrap.servers="
            + kafka.bootstrapServers()
            + "\nschema-registry.url="
            + registry.url()
            + "\ntopics.prefix="
            + prefix
            + "\n");
    Clock beforeTheRise = Clock.fixed(DAY_1, ZoneOffset.UTC);
    Clock afterTheRise = Clock.fixed(from.plusSeconds(1), ZoneOffset.UTC);
    String[] args = {"--file", file.toString(), "--config", config.toString()};

    ByteArrayOutputStream refusal = new ByteArrayOutputStream();
    int backdated =
        new CommandLine(
                new PublishPricesCommand(
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(refusal, true, StandardCharsets.UTF_8),
                    afterTheRise))
            .execute(args);
    assertThat(backdated).as("a backdated price is refused").isEqualTo(2);
    assertThat(refusal.toString(StandardCharsets.UTF_8)).contains("--allow-backdated");
    assertThat(readAll(topics.wanPrices()))
        .as("nothing published")
        .noneMatch(r -> r.value().getMicrosPerSecond() == 120_000);

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int published =
        new CommandLine(
                new PublishPricesCommand(
                    new PrintStream(printed, true, StandardCharsets.UTF_8),
                    System.err,
                    beforeTheRise))
            .execute(args);
    assertThat(published).isZero();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("*|wan2.2-i2v-flash|480P|false = 0.12 CNY/s from " + from)
        .contains("published 1 price(s)");

    // Billing copies the new version into its history; a task completed before `from` keeps the
    // seeded CNY 0.10 even when its event arrives after the update, one completed at `from` pays
    // CNY 0.12.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                readAll(BillingTopology.priceHistory(topics)).stream()
                    .anyMatch(r -> r.value().getMicrosPerSecond() == 120_000));
    send(
        succeeded(
            "r-before", "acme", "wan2.2-i2v-flash", "480P", 5_000, null, from.minusMillis(1)));
    send(succeeded("r-at", "acme", "wan2.2-i2v-flash", "480P", 5_000, null, from));
    Map<String, Long> amounts = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              amounts.clear();
              readAll(topics.billingCharges())
                  .forEach(r -> amounts.put(r.key(), r.value().getAmountMicros()));
              assertThat(amounts).containsOnlyKeys("r-before", "r-at");
            });
    assertThat(amounts.get("r-before")).as("5 s x the old CNY 0.10").isEqualTo(500_000);
    assertThat(amounts.get("r-at")).as("5 s x the new CNY 0.12").isEqualTo(600_000);
    assertThat(billing.unpricedCount()).isZero();
  }

  @Test
  void replayingTheTopicsFromScratchGivesTheSameTotals() {
    BillingService first = start("billing-first");
    for (int i = 0; i < 20; i++) {
      Instant day = i % 2 == 0 ? DAY_1 : DAY_2;
      send(
          succeeded(
              "r" + i,
              i % 3 == 0 ? "acme" : "globex",
              "wan2.5-t2v-preview",
              "720P",
              1_000 + 37L * i,
              null,
              day));
    }
    LocalDate from = LocalDate.parse("2026-03-01");
    LocalDate to = LocalDate.parse("2026-03-02");
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptionsInstanceOf(InvalidStateStoreException.class)
        .until(
            () ->
                taskCount(first.totals("acme", from, to))
                        + taskCount(first.totals("globex", from, to))
                    == 20);
    List<AccountTotal> acme = first.totals("acme", from, to);
    List<AccountTotal> globex = first.totals("globex", from, to);
    first.close();

    // A second application with its own id reads every topic from the beginning.
    BillingService replay = start("billing-replay");
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptionsInstanceOf(InvalidStateStoreException.class)
        .untilAsserted(
            () -> {
              assertThat(replay.state()).isEqualTo(KafkaStreams.State.RUNNING);
              assertThat(replay.totals("acme", from, to)).isEqualTo(acme);
              assertThat(replay.totals("globex", from, to)).isEqualTo(globex);
            });
    assertThat(replay.unpricedCount()).isZero();
  }

  private static long taskCount(List<AccountTotal> totals) {
    return totals.stream().mapToLong(AccountTotal::getTaskCount).sum();
  }

  private BillingService start(String name) {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    values.put("schema-registry.url", registry.url());
    values.put("topics.prefix", prefix);
    String applicationId = kafka.uniqueName(name);
    values.put("billing.application-id", applicationId);
    values.put("billing.state-dir", stateDir.resolve(name).toString());
    BillingService service =
        new BillingService(BillingConfig.from(Settings.of(values)), Clock.systemUTC(), topics);
    services.add(service);
    service.start();
    return service;
  }

  private static TaskStatus succeeded(
      String requestId,
      String account,
      String model,
      String tier,
      long millis,
      Boolean audio,
      Instant end) {
    return TaskStatuses.succeeded(requestId)
        .setAccountId(account)
        .setProviderAccount("cn-main")
        .setApiKeyRef("cn-main#0")
        .setModel(model)
        .setProviderEndTime(end)
        .setEventTime(end.plusSeconds(4))
        .setRequestedResolution(tier)
        .setUsage(Usage.newBuilder(TaskStatuses.usage(millis, tier)).setAudio(audio).build())
        .build();
  }

  private static TaskStatus failed(String requestId, String account, String model) {
    return TaskStatuses.of(requestId, TaskState.FAILED)
        .setAccountId(account)
        .setProviderAccount("cn-main")
        .setModel(model)
        .setEventTime(DAY_1)
        .setRequestedResolution("480P")
        .setRequestedDuration(5)
        .build();
  }

  private void send(TaskStatus status) {
    produce(topics.taskStatus(), status.getRequestId(), status);
  }

  private <V> void produce(Topic<String, V> topic, String key, V value) {
    Map<String, Object> props = new HashMap<>(kafka.clientConfig());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, V> producer =
        new KafkaProducer<>(
            props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
    } catch (Exception e) {
      throw new AssertionError("cannot produce to " + topic.name(), e);
    }
  }

  /** Every committed record of {@code topic} so far. */
  private <V> List<ConsumerRecord<String, V>> readAll(Topic<String, V> topic) {
    Map<String, Object> props = new HashMap<>(kafka.clientConfig());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(
            props, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
      var partitions =
          consumer.partitionsFor(topic.name()).stream()
              .map(p -> new org.apache.kafka.common.TopicPartition(topic.name(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        consumer.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    return out;
  }
}
