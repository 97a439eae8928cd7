package io.wanpipeline.infra.bench;

import io.wanpipeline.billing.BillingConfig;
import io.wanpipeline.billing.BillingService;
import io.wanpipeline.billing.BillingTopology;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.Usage;
import io.wanpipeline.runtime.config.Settings;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Benchmark (e), billing throughput: M task-status events (six per request: SUBMITTED, PENDING,
 * RUNNING twice, a billable SUCCEEDED, ARCHIVED) are produced first; then the real billing service
 * (Kafka Streams, exactly-once, its production defaults) starts from the beginning and is timed
 * until its consumer group has committed the end offsets of task-status and of the charges'
 * repartition topic. Warm-up runs on other topics come first, until the JIT compilers are quiet
 * (they spend at most a tenth of a run's time compiling), so the measured runs see a JVM whose code
 * is compiled, as a long-running service's is: one warm-up run was not enough, the C2 compiler then
 * still took a third of a core through both measured runs. Every run is checked: one charge per
 * SUCCEEDED, none unpriced, and the totals' task counts add up to the charges. Reports status
 * events per second, the CPU time the billing JVM and the broker spent, and the JIT's compile time.
 *
 * <p>Over 400 lines: producing the events, running the service and checking every charge of one
 * benchmark, used only together.
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

  /** Unmeasured warm-up runs, until the JIT compilers' work per run has levelled off. */
  private static final int WARMUPS = 5;

  /** Measured runs after the warm-up. */
  private static final int RUNS = 3;

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
            "run",
            "stream threads",
            "events",
            "charges",
            "totals' task count",
            "totals records",
            "start to first event",
            "start to RUNNING",
            "first event to caught up",
            "events/s (from first event)",
            "events/s (from RUNNING)",
            "events/s (from start)",
            "CPU billing JVM",
            "CPU broker",
            "CPU per 1000 events",
            "JIT compile time");
    Map<String, String> overrides = overrides();
    int warmup = events;
    for (int i = 1; i <= WARMUPS; i++) {
      measure("warm-up-" + i, warmup, overrides, null);
    }
    for (int i = 1; i <= RUNS; i++) {
      measure(String.valueOf(i), events, overrides, table);
    }
    table.note(
        "events produced before the service starts (one SUCCEEDED in six, model wan2.6-t2v 720P"
            + " 5 s, 100 accounts, priced by the bundled price file); caught up = the Streams"
            + " application's consumer group has committed the end offset of every task-status"
            + " partition and then of every partition of the charges' repartition topic (so the"
            + " totals are done too); each run on fresh topics and a fresh state directory");
    table.note(
        "billing service in the benchmark JVM with its production defaults"
            + (overrides.isEmpty() ? "" : " except " + overrides)
            + " (BillingService: price seeding, charge, unpriced and totals with a repartition,"
            + " RocksDB stores); "
            + WARMUPS
            + " unmeasured warm-up runs of "
            + warmup
            + " events on other topics first (JIT; progress lines show their figures); checked:"
            + " charges read (read_committed) from"
            + " the charges topic = SUCCEEDED events, none unpriced, and the latest totals' task"
            + " counts add up to them; totals records = updates written to billing-totals (one per"
            + " key and commit); CPU = process CPU time over the timed part (billing JVM"
            + " includes the benchmark's own offset polling); JIT compile time = the JVM's total"
            + " compilation time over the timed part (CompilationMXBean); target >= 50,000"
            + " events/s on 2 cores");
    return table;
  }

  /**
   * Billing settings given as {@code -Dwan.bench.billing.<key>=<value>} system properties, for
   * experiments (for example {@code -Dwan.bench.billing.billing.stream-threads=1}).
   */
  private static Map<String, String> overrides() {
    String prefix = "wan.bench.billing.";
    Map<String, String> out = new java.util.TreeMap<>();
    System.getProperties()
        .stringPropertyNames()
        .forEach(
            name -> {
              if (name.startsWith(prefix)) {
                out.put(name.substring(prefix.length()), System.getProperty(name));
              }
            });
    return out;
  }

  /** One run of {@code count} events; adds a row to {@code table} unless it is null. */
  private void measure(String label, int count, Map<String, String> overrides, Table table)
      throws Exception {
    BenchStack.Run run = stack.fresh("billing-" + label);
    progress.printf("  (e) %s: producing %d status events%n", label, count);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    long billable = 0;
    var statusTopic = run.topics().taskStatus();
    awaitLeaders(statusTopic.name());
    List<ProducerRecord<String, TaskStatus>> pending = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      TaskState state = LIFECYCLE[i % LIFECYCLE.length];
      if (state == TaskState.SUCCEEDED) {
        billable++;
      }
      TaskStatus status = event("bill-" + label + "-" + i / LIFECYCLE.length, state, now);
      pending.add(
          new ProducerRecord<>(
              statusTopic.name(),
              null,
              status.getEventTime().toEpochMilli(),
              status.getRequestId(),
              status));
    }
    Map<String, Object> producerProps = new HashMap<>();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap());
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // A batch can expire unsent on this loaded machine (seen once: 456 records of a partition
    // after 120 s); those records are sent again by a new producer. A batch that expired but was
    // written after all would show as more events than sent in the check below.
    for (int attempt = 1; !pending.isEmpty(); attempt++) {
      List<ProducerRecord<String, TaskStatus>> failed =
          java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicReference<Exception> firstFailure = new AtomicReference<>();
      try (KafkaProducer<String, TaskStatus> producer =
          new KafkaProducer<>(
              producerProps,
              statusTopic.keySerde().serializer(),
              statusTopic.valueSerde().serializer())) {
        for (ProducerRecord<String, TaskStatus> r : pending) {
          producer.send(
              r,
              (metadata, e) -> {
                if (e != null) {
                  failed.add(r);
                  firstFailure.compareAndSet(null, e);
                }
              });
        }
        producer.flush();
      }
      if (!failed.isEmpty()) {
        progress.printf(
            "  (e) %s: %d status events not sent (%s), sending them again%n",
            label, failed.size(), firstFailure.get());
        if (attempt == 3) {
          throw new IllegalStateException(
              failed.size() + " of " + count + " status events not sent (" + label + ")",
              firstFailure.get());
        }
      }
      pending = new ArrayList<>(failed);
    }
    Map<String, String> settings = stack.serviceSettings(run);
    String applicationId = "bench-billing-" + label;
    settings.put("billing.application-id", applicationId);
    settings.put("billing.state-dir", stack.scratch(applicationId).toString());
    settings.putAll(overrides);
    BillingConfig config = BillingConfig.from(Settings.of(settings));
    String repartitionTopic =
        applicationId + "-" + BillingTopology.CHARGES_BY_TOTAL + "-repartition";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrap()))) {
      Map<TopicPartition, Long> ends = endOffsets(admin, statusTopic.name());
      long produced = ends.values().stream().mapToLong(Long::longValue).sum();
      if (produced != count) {
        throw new IllegalStateException(
            "task-status holds " + produced + " events, " + count + " were sent (" + label + ")");
      }
      progress.printf(
          "  (e) %s: billing with %d stream thread(s): starting%n", label, config.streamThreads());
      long cpuStart = processCpuNanos();
      long brokerCpuStart = childrenCpuNanos();
      long jitStart = compileMillis();
      long start = System.nanoTime();
      long running = -1;
      long first = -1;
      BillingService service = new BillingService(config, Clock.systemUTC(), run.topics());
      try {
        service.start();
        long deadline = start + timeout.toNanos();
        Map<TopicPartition, Long> repartitionEnds = null;
        while (true) {
          if (running < 0 && service.state() == KafkaStreams.State.RUNNING) {
            running = System.nanoTime();
          }
          if (first < 0 && processed(applicationId) > 0) {
            first = System.nanoTime();
          }
          if (repartitionEnds == null && caughtUp(admin, applicationId, ends)) {
            // Status offsets and charges are committed in one transaction: the repartition topic
            // is complete now.
            repartitionEnds = endOffsets(admin, repartitionTopic);
          }
          if (repartitionEnds != null && caughtUp(admin, applicationId, repartitionEnds)) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "billing did not catch up within " + timeout + " (" + label + ")");
          }
          TimeUnit.MILLISECONDS.sleep(20);
        }
        long end = System.nanoTime();
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        double brokerCpu = (childrenCpuNanos() - brokerCpuStart) / 1e9;
        double jit = (compileMillis() - jitStart) / 1e3;
        if (running < 0) {
          running = end;
        }
        if (first < 0) {
          first = end;
        }
        long charges = count(run.topics().billingCharges().name());
        TotalsRead totals = readTotals(run);
        long counted = totals.taskCount();
        long totalsRecords = totals.records();
        long unpriced = service.unpricedCount();
        if (charges != billable || counted != billable || unpriced != 0) {
          throw new IllegalStateException(
              String.format(
                  "billing run %s wrong: %d SUCCEEDED events, %d charges, totals count %d,"
                      + " %d unpriced",
                  label, billable, charges, counted, unpriced));
        }
        double fromFirst = (end - first) / 1e9;
        double fromRunning = (end - running) / 1e9;
        double fromStart = (end - start) / 1e9;
        if (table != null) {
          table.row(
              label,
              config.streamThreads(),
              count,
              charges,
              counted,
              totalsRecords,
              String.format("%.1f s", (first - start) / 1e9),
              String.format("%.1f s", (running - start) / 1e9),
              String.format("%.1f s", fromFirst),
              String.format("%.0f", count / fromFirst),
              String.format("%.0f", count / fromRunning),
              String.format("%.0f", count / fromStart),
              String.format("%.1f s", cpu),
              String.format("%.1f s", brokerCpu),
              String.format("%.0f ms", (cpu + brokerCpu) * 1e6 / count),
              String.format("%.1f s", jit));
        }
        progress.printf(
            "  (e) %s: %.0f events/s from the first event, %d charges, CPU %.1f s billing JVM +"
                + " %.1f s broker, JIT compiling %.1f s%n",
            label, count / fromFirst, charges, cpu, brokerCpu, jit);
      } finally {
        service.close();
      }
    }
  }

  /**
   * Records processed so far by the stream threads of {@code applicationId}, from their metrics
   * (process-total); these threads start processing before the application is RUNNING.
   */
  private static double processed(String applicationId) throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    double total = 0;
    for (ObjectName name :
        server.queryNames(
            new ObjectName(
                "kafka.streams:type=stream-thread-metrics,thread-id=" + applicationId + "-*"),
            null)) {
      Object value = server.getAttribute(name, "process-total");
      if (value instanceof Number n && !Double.isNaN(n.doubleValue())) {
        total += n.doubleValue();
      }
    }
    return total;
  }

  /** Waits until every partition of {@code topic} has a leader (the topics are new). */
  private void awaitLeaders(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrap()))) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get()
          .get(topic)
          .partitions()
          .stream()
          .anyMatch(p -> p.leader() == null || p.leader().isEmpty())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(topic + " has partitions without a leader");
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
  }

  /** The JIT compilers' accumulated compile time in this JVM, in milliseconds. */
  private static long compileMillis() {
    return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** CPU time of this JVM's child processes: the broker (the registry runs in this JVM). */
  private static long childrenCpuNanos() {
    return ProcessHandle.current()
        .descendants()
        .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
        .sum();
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
    long[] n = {0};
    readCommitted(topic, r -> n[0]++);
    return n[0];
  }

  /**
   * What the totals topic holds: its records, and the sum of the task counts of the latest total of
   * every key.
   */
  private record TotalsRead(long records, long taskCount) {}

  /** Reads the totals topic once, to its end. */
  private TotalsRead readTotals(BenchStack.Run run) {
    var totals = run.topics().billingTotals();
    Map<String, AccountTotal> latest = new HashMap<>();
    long[] records = {0};
    readCommitted(
        totals.name(),
        r -> {
          records[0]++;
          latest.put(
              new String(r.key(), java.nio.charset.StandardCharsets.UTF_8),
              totals.value(r.value()));
        });
    return new TotalsRead(
        records[0], latest.values().stream().mapToLong(AccountTotal::getTaskCount).sum());
  }

  private void readCommitted(
      String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .collect(Collectors.toCollection(ArrayList::new));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
