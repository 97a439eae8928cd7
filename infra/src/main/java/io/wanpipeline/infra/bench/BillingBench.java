package io.wanpipeline.infra.bench;

import io.wanpipeline.billing.BillingConfig;
import io.wanpipeline.billing.BillingService;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.Usage;
import io.wanpipeline.schemas.config.Settings;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Benchmark (e), billing throughput: M task-status events (six per request: SUBMITTED, PENDING,
 * RUNNING twice, a billable SUCCEEDED, ARCHIVED) are produced first; then the real billing service
 * (Kafka Streams, exactly-once) starts from the beginning and is timed until its consumer group has
 * committed the end offsets of task-status. Reports status events per second and charges produced.
 */
final class BillingBench {
  private static final TaskState[] LIFECYCLE = {
    TaskState.SUBMITTED,
    TaskState.PENDING,
    TaskState.RUNNING,
    TaskState.RUNNING,
    TaskState.SUCCEEDED,
    TaskState.ARCHIVED
  };

  private final BenchStack stack;
  private final int events;
  private final Duration timeout;
  private final PrintStream progress;

  BillingBench(BenchStack stack, int events, Duration timeout, PrintStream progress) {
    this.stack = stack;
    this.events = events;
    this.timeout = timeout;
    this.progress = progress;
  }

  Table run() throws Exception {
    Table table =
        new Table(
            "(e) billing throughput: "
                + events
                + " task-status events over "
                + BenchStack.PARTITIONS
                + " partitions, exactly-once",
            "stream threads",
            "events",
            "charges",
            "unpriced",
            "start to RUNNING",
            "RUNNING to caught up",
            "events/s (from RUNNING)",
            "events/s (from start)");
    for (int threads : new int[] {1, 2}) {
      measure(threads, table);
    }
    table.note(
        "events produced before the service starts (one SUCCEEDED in six, model wan2.6-t2v 720P"
            + " 5 s, priced by the bundled price file); caught up = the Streams application's"
            + " consumer group has committed the end offset of every task-status partition");
    table.note(
        "billing service in the benchmark JVM (BillingService: price seeding, charge, unpriced"
            + " and totals with a repartition, RocksDB stores, commit interval 100 ms);"
            + " charges = records read (read_committed) from the charges topic; target >= 50,000"
            + " events/s on 2 cores");
    return table;
  }

  private void measure(int threads, Table table) throws Exception {
    BenchStack.Run run = stack.fresh("billing-" + threads);
    progress.printf("  (e) producing %d status events%n", events);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try (BenchStack.StatusProducer producer = stack.producer(run)) {
      for (int i = 0; i < events; i++) {
        producer.send(event("bill-" + threads + "-" + i / LIFECYCLE.length, LIFECYCLE[i % 6], now));
      }
      producer.flush();
    }
    Map<String, String> settings = stack.serviceSettings(run);
    String applicationId = "bench-billing-" + threads;
    settings.put("billing.application-id", applicationId);
    settings.put("billing.state-dir", stack.scratch(applicationId).toString());
    settings.put("billing.stream-threads", String.valueOf(threads));
    BillingConfig config = BillingConfig.from(Settings.of(settings));
    String statusTopic = run.topics().taskStatus().name();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrap()))) {
      Map<TopicPartition, Long> ends = endOffsets(admin, statusTopic);
      progress.printf("  (e) billing with %d stream thread(s): starting%n", threads);
      long start = System.nanoTime();
      long running = -1;
      BillingService service = new BillingService(config, Clock.systemUTC(), run.topics());
      try {
        service.start();
        long deadline = start + timeout.toNanos();
        while (true) {
          if (running < 0 && service.state() == KafkaStreams.State.RUNNING) {
            running = System.nanoTime();
          }
          if (caughtUp(admin, applicationId, ends)) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("billing did not catch up within " + timeout);
          }
          TimeUnit.MILLISECONDS.sleep(20);
        }
        long end = System.nanoTime();
        if (running < 0) {
          running = end;
        }
        long charges = count(run.topics().billingCharges().name());
        double fromRunning = (end - running) / 1e9;
        double fromStart = (end - start) / 1e9;
        table.row(
            threads,
            events,
            charges,
            service.unpricedCount(),
            String.format("%.1f s", (running - start) / 1e9),
            String.format("%.1f s", fromRunning),
            String.format("%.0f", events / fromRunning),
            String.format("%.0f", events / fromStart));
        progress.printf(
            "  (e) %d thread(s): %.0f events/s from RUNNING, %d charges%n",
            threads, events / fromRunning, charges);
      } finally {
        service.close();
      }
    }
  }

  private static TaskStatus event(String requestId, TaskState state, Instant now) {
    TaskStatus.Builder b =
        TaskStatus.newBuilder()
            .setRequestId(requestId)
            .setAccountId("acct-" + Math.floorMod(requestId.hashCode(), 100))
            .setProviderAccount("bench")
            .setApiKeyRef("bench#0")
            .setModel("wan2.6-t2v")
            .setState(state)
            .setTaskId("task-" + requestId)
            .setEventTime(now)
            .setSubmittedAt(now)
            .setPriority(Priority.LIVE)
            .setRequestedResolution("720P")
            .setMetadata(Map.of());
    if (state == TaskState.SUCCEEDED || state == TaskState.ARCHIVED) {
      b.setProviderEndTime(now)
          .setUsage(
              Usage.newBuilder()
                  .setVideoDurationMillis(5_000)
                  .setTier("720P")
                  .setVideoCount(1)
                  .setAudio(false)
                  .build());
    }
    return b.build();
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
    var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    Map<TopicPartition, OffsetSpec> request =
        partitions.partitions().stream()
            .collect(
                Collectors.toMap(
                    p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(request).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  private static boolean caughtUp(Admin admin, String group, Map<TopicPartition, Long> ends)
      throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      if (c == null || c.offset() < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private long count(String topic) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long n = 0;
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        n += consumer.poll(Duration.ofMillis(200)).count();
      }
      return n;
    }
  }
}
