package io.wanpipeline.infra.demo;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.cli.Money;
import io.wanpipeline.schemas.topics.Topics;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends the sample requests, shows a live table of their states until each is terminal, then where
 * each video landed and the bill.
 */
public final class Demo {
  private final String bootstrapServers;
  private final Topics topics;
  private final PrintStream out;
  private final Clock clock;
  private final boolean redraw;

  /**
   * @param bootstrapServers Kafka of the running pipeline
   * @param topics the pipeline's topics
   * @param out where the table goes
   * @param redraw redraw the table in place (a terminal), or print one line per change (a log)
   */
  public Demo(
      String bootstrapServers, Topics topics, PrintStream out, Clock clock, boolean redraw) {
    this.bootstrapServers = bootstrapServers;
    this.topics = topics;
    this.out = out;
    this.clock = clock;
    this.redraw = redraw;
  }

  /**
   * Runs the demo.
   *
   * @return true when every request reached a terminal state within {@code timeout}
   */
  public boolean run(Duration timeout) throws InterruptedException {
    String runId = Long.toString(clock.millis(), 36);
    List<VideoRequest> requests = DemoRequests.create(runId);
    List<String> ids = requests.stream().map(VideoRequest::getRequestId).toList();
    try (PipelineWatcher watcher = new PipelineWatcher(bootstrapServers, topics)) {
      StatusTable table = new StatusTable(requests);
      CountDownLatch done = new CountDownLatch(1);
      watcher.onChange(
          () -> {
            table.render(watcher, out, redraw);
            if (watcher.allTerminal(ids)) {
              done.countDown();
            }
          });
      send(requests);
      out.printf("sent %d requests (run %s); waiting for each to end...%n", ids.size(), runId);
      boolean finished = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      table.render(watcher, out, false);
      if (!finished) {
        out.println("timed out waiting for the requests above to end");
        return false;
      }
      printArchive(watcher, ids);
      awaitCharges(watcher, ids, Duration.ofSeconds(60));
      printBill(watcher, ids);
      return true;
    }
  }

  private void send(List<VideoRequest> requests) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (VideoRequest r : requests) {
        producer.send(
            new ProducerRecord<>(
                topics.videoRequests().name(),
                topics.videoRequests().keyBytes(r.getRequestId()),
                topics.videoRequests().valueBytes(r)));
      }
      producer.flush();
    }
  }

  private void printArchive(PipelineWatcher watcher, List<String> ids) {
    out.println();
    out.println("Where each video landed:");
    for (String id : ids) {
      TaskStatus s = watcher.latest(id);
      if (s.getState() == TaskState.ARCHIVED) {
        out.printf(
            "  %-22s %s  %,d bytes  sha256 %s%n",
            id, s.getArchive().getUri(), s.getArchive().getSizeBytes(), s.getArchive().getSha256());
      } else {
        out.printf("  %-22s %s (%s)%n", id, s.getState(), StatusTable.detail(s));
      }
    }
  }

  /**
   * Waits until every billable request of this run has its charge, and the account's daily totals
   * include every charge of the account seen so far (totals are computed after charges).
   */
  private static void awaitCharges(PipelineWatcher watcher, List<String> ids, Duration timeout)
      throws InterruptedException {
    long billable =
        ids.stream()
            .filter(
                id ->
                    watcher.history(id).stream()
                        .anyMatch(
                            s ->
                                s.getState() == TaskState.SUCCEEDED
                                    || s.getState() == TaskState.LATE_SUCCEEDED))
            .count();
    CountDownLatch settled = new CountDownLatch(1);
    Runnable check =
        () -> {
          if (charges(watcher, ids).size() >= billable && totalsCaughtUp(watcher)) {
            settled.countDown();
          }
        };
    watcher.onChange(check);
    check.run();
    settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static boolean totalsCaughtUp(PipelineWatcher watcher) {
    Map<String, Long> chargesPerDay = new HashMap<>();
    for (Charge c : watcher.charges()) {
      if (c.getAccountId().equals(DemoRequests.ACCOUNT)) {
        chargesPerDay.merge(c.getDay() + "|" + c.getCurrency(), 1L, Long::sum);
      }
    }
    Map<String, Long> counted = new HashMap<>();
    for (AccountTotal t : watcher.totals().values()) {
      if (t.getAccountId().equals(DemoRequests.ACCOUNT)) {
        counted.put(t.getDay() + "|" + t.getCurrency(), t.getTaskCount());
      }
    }
    return chargesPerDay.equals(counted);
  }

  private static List<Charge> charges(PipelineWatcher watcher, List<String> ids) {
    return watcher.charges().stream().filter(c -> ids.contains(c.getRequestId())).toList();
  }

  private void printBill(PipelineWatcher watcher, List<String> ids) {
    out.println();
    out.println("The bill (one charge per succeeded task; nothing for the others):");
    for (Charge c : charges(watcher, ids)) {
      out.printf(
          "  %-22s %-20s %5s %7.3f s x %s/s = %s%n",
          c.getRequestId(),
          c.getModel(),
          c.getTier(),
          c.getBillableMillis() / 1000.0,
          Money.of(c.getUnitPriceMicros(), c.getCurrency()),
          Money.of(c.getAmountMicros(), c.getCurrency()));
    }
    for (AccountTotal t : watcher.totals().values()) {
      if (t.getAccountId().equals(DemoRequests.ACCOUNT)) {
        out.printf(
            "  day total for %s on %s: %s over %d tasks (every demo run of the day)%n",
            t.getAccountId(),
            t.getDay(),
            Money.of(t.getAmountMicros(), t.getCurrency()),
            t.getTaskCount());
      }
    }
  }
}
