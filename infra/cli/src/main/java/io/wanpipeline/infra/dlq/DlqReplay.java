package io.wanpipeline.infra.dlq;

import io.wanpipeline.runtime.config.KafkaSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dlq replay}: produces dead-lettered requests of {@code video-requests-dlq} again to {@code
 * video-requests}, with their original key, value and headers, once the cause is fixed (a schema
 * registered, a limit raised, the intake mended). A dead letter without its value (it was too
 * large) is replayed from its original, while {@code video-requests} still keeps it.
 *
 * <p>Only requests are replayed: the Streams services' dead letters are {@code task-status} events
 * and prices, and an old event produced again after the newer ones of its request would be read as
 * the latest.
 */
@Command(
    name = "replay",
    description =
        "Produce dead-lettered requests of video-requests-dlq again to video-requests (original"
            + " key, value and headers, and wan.dlq.replayed-from). Exit 0 when every chosen dead"
            + " letter was replayed, 1 when one could not be, 2 on a usage or connection error.")
public final class DlqReplay implements Callable<Integer> {
  /** Header on a replayed request: the dead letter it came from, {@code topic/partition/offset}. */
  public static final String REPLAYED_FROM = "wan.dlq.replayed-from";

  private static final long SEND_TIMEOUT_SECONDS = 60;

  @Mixin DlqCommand.ConfigOption config = new DlqCommand.ConfigOption();

  @ArgGroup(multiplicity = "1")
  Which which;

  static final class Which {
    @Option(
        names = "--at",
        split = ",",
        description = "Dead letters by position, PARTITION:OFFSET (as dlq list shows them).")
    List<String> positions;

    @Option(names = "--all", description = "Every dead letter of video-requests-dlq.")
    boolean all;
  }

  @Option(names = "--dry-run", description = "Say what would be replayed; produce nothing.")
  boolean dryRun;

  @Option(names = "--yes", description = "Do not ask before replaying --all.")
  boolean yes;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() throws InterruptedException {
    KafkaSettings kafka;
    String dlq;
    String requests;
    try {
      kafka = config.kafka();
      dlq = kafka.topicNames().videoRequestsDlq();
      requests = kafka.topicNames().videoRequests();
    } catch (RuntimeException e) {
      err.println("dlq replay: " + e.getMessage());
      return 2;
    }
    List<Replay> plan = new ArrayList<>();
    int skipped = 0;
    try (TopicReader reader = new TopicReader(kafka.clientConfig())) {
      List<ConsumerRecord<byte[], byte[]>> chosen = new ArrayList<>();
      if (which.all) {
        chosen.addAll(reader.latest(dlq, Integer.MAX_VALUE));
      } else {
        for (String position : which.positions) {
          long[] at = parse(position);
          Optional<ConsumerRecord<byte[], byte[]>> found = reader.at(dlq, (int) at[0], at[1]);
          if (found.isEmpty()) {
            err.println("dlq replay: no dead letter at " + dlq + "/" + position);
            skipped++;
          } else {
            chosen.add(found.get());
          }
        }
      }
      for (ConsumerRecord<byte[], byte[]> r : chosen) {
        Optional<Replay> replay = plan(new DeadLetter(r), reader, requests);
        if (replay.isPresent()) {
          plan.add(replay.get());
        } else {
          skipped++;
        }
      }
    } catch (RuntimeException e) {
      err.println("dlq replay: " + e.getMessage());
      return 2;
    }
    if (dryRun) {
      plan.forEach(p -> out.println("would replay " + p.from + " to " + requests));
      return skipped == 0 ? 0 : 1;
    }
    if (which.all && !yes && !plan.isEmpty() && !confirm(plan.size(), requests)) {
      out.println("nothing was replayed");
      return 1;
    }
    Map<String, Object> props = kafka.clientConfig();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    int failed = 0;
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (Replay p : plan) {
        p.headers.add(REPLAYED_FROM, p.from.getBytes(StandardCharsets.UTF_8));
        try {
          producer
              .send(new ProducerRecord<>(requests, null, p.key, p.value, p.headers))
              .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
          out.println("replayed " + p.from + " to " + requests);
        } catch (ExecutionException | TimeoutException e) {
          err.println(
              "dlq replay: "
                  + p.from
                  + " was not produced: "
                  + (e.getCause() == null ? e : e.getCause()).getMessage());
          failed++;
        }
      }
    }
    out.printf(
        Locale.ROOT, "replayed %d dead letters, %d not%n", plan.size() - failed, skipped + failed);
    return skipped + failed == 0 ? 0 : 1;
  }

  /** What replaying {@code d} produces, or empty (said on stderr) when it cannot be replayed. */
  private Optional<Replay> plan(DeadLetter d, TopicReader reader, String requests) {
    if (d.sourceTopic().isPresent() && !d.sourceTopic().get().equals(requests)) {
      err.println(
          "dlq replay: "
              + d.position()
              + " came from "
              + d.sourceTopic().get()
              + ", not "
              + requests
              + "; left alone");
      return Optional.empty();
    }
    byte[] value = d.record().value();
    Headers headers = d.originalHeaders();
    if (value == null && d.valueDropped()) {
      Optional<ConsumerRecord<byte[], byte[]>> original =
          d.sourcePartition().isPresent() && d.sourceOffset().isPresent()
              ? reader.at(requests, d.sourcePartition().get(), d.sourceOffset().get())
              : Optional.empty();
      if (original.isEmpty()) {
        err.println(
            "dlq replay: "
                + d.position()
                + " has no value and its original is no longer in "
                + requests);
        return Optional.empty();
      }
      value = original.get().value();
    }
    if (value == null) {
      err.println("dlq replay: " + d.position() + " is a tombstone (no value): nothing to replay");
      return Optional.empty();
    }
    return Optional.of(new Replay(d.position(), d.record().key(), value, headers));
  }

  private static long[] parse(String position) {
    String[] parts = position.split(":", -1);
    try {
      if (parts.length == 2) {
        return new long[] {Integer.parseInt(parts[0]), Long.parseLong(parts[1])};
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(
        "--at takes PARTITION:OFFSET (for example 2:17), not '" + position + "'");
  }

  private boolean confirm(int count, String requests) {
    out.printf(Locale.ROOT, "Replay %d dead letters to %s? [y/N] ", count, requests);
    out.flush();
    try {
      String answer =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      return answer != null && answer.trim().equalsIgnoreCase("y");
    } catch (IOException e) {
      return false;
    }
  }

  private record Replay(String from, byte[] key, byte[] value, Headers headers) {}
}
