package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault suite's requests ({@link FaultRequests}), produced to {@code video-requests} at a
 * steady pace by a scheduled task, every n-th also sent a second time with the same content (dedupe
 * must keep it from a second submission). A send that fails (the registry down, a broker gone) is
 * retried with the same request at the next tick; no exception escapes, or the executor would
 * silently cancel the whole workload.
 */
final class RequestWorkload implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestWorkload.class);

  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "fault-producer");
            t.setDaemon(true);
            return t;
          });
  private final Clock clock;
  private final int requests;
  private final int duplicateEvery;
  private final Topics topics;
  private final KafkaProducer<byte[], byte[]> producer;
  private final FaultRequests made;
  private final List<VideoRequest> sentRequests = new ArrayList<>();
  private final Map<String, Boolean> invalidById = new ConcurrentHashMap<>();
  private final Map<String, String> callerAccounts = new ConcurrentHashMap<>();
  private final AtomicInteger failedSends = new AtomicInteger();
  private final AtomicInteger produceErrors = new AtomicInteger();
  private final AtomicInteger duplicates = new AtomicInteger();
  private volatile int sent;
  private volatile boolean released;
  private volatile String lastProduceError = "none";
  private VideoRequest unsent;

  /**
   * @param requests distinct requests to produce
   * @param made the requests
   * @param duplicateEvery every n-th request is sent again (0: none)
   */
  RequestWorkload(
      String bootstrap,
      Clock clock,
      int requests,
      FaultRequests made,
      int duplicateEvery,
      Topics topics) {
    this.clock = clock;
    this.requests = requests;
    this.made = made;
    this.duplicateEvery = duplicateEvery;
    this.topics = topics;
    Map<String, Object> props =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.LINGER_MS_CONFIG,
            5);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Sends the first request at once and the others, once {@link #release}d, at this pace. */
  void start(double perSecond) {
    long periodMicros = Math.max(1, Math.round(1_000_000 / perSecond));
    scheduler.scheduleAtFixedRate(this::tick, 0, periodMicros, TimeUnit.MICROSECONDS);
  }

  /** Lets the workload go on past its first request. */
  void release() {
    released = true;
  }

  private void tick() {
    int n = sent;
    if (n >= requests || (n > 0 && !released)) {
      return;
    }
    try {
      VideoRequest r = unsent != null ? unsent : made.next(n, clock.instant());
      unsent = r;
      send(r);
      unsent = null;
      sentRequests.add(r);
      invalidById.put(r.getRequestId(), FaultRequests.invalid(r));
      callerAccounts.put(r.getRequestId(), r.getAccountId());
      if (duplicateEvery > 0 && n % duplicateEvery == duplicateEvery - 1) {
        send(sentRequests.get(n / 2));
        duplicates.incrementAndGet();
      }
      sent = n + 1;
    } catch (RuntimeException e) {
      produceErrors.incrementAndGet();
      lastProduceError = e.toString();
      LOG.warn("fault suite produce error request={}: {}", n, e.toString());
    }
  }

  private void send(VideoRequest r) {
    producer.send(
        new ProducerRecord<>(
            topics.videoRequests().name(),
            r.getRequestId().getBytes(StandardCharsets.UTF_8),
            topics.videoRequests().valueBytes(r)),
        (metadata, e) -> {
          if (e != null) {
            failedSends.incrementAndGet();
            LOG.warn("fault suite produce failed requestId={}: {}", r.getRequestId(), e.toString());
          }
        });
  }

  /** Whether every request has been sent. */
  boolean done() {
    return sent >= requests;
  }

  /** Every request_id sent. */
  Set<String> requestIds() {
    return Set.copyOf(invalidById.keySet());
  }

  /** The request_ids of the requests made invalid on purpose. */
  Set<String> invalidIds() {
    return invalidById.entrySet().stream()
        .filter(Map.Entry::getValue)
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  /** The account_id of every request sent, by request_id. */
  Map<String, String> callerAccounts() {
    return Map.copyOf(callerAccounts);
  }

  /** Sends the producer reported failed (the request was not written). */
  int failedSends() {
    return failedSends.get();
  }

  /** Produce attempts that threw (retried at the next tick), with the last error. */
  String produceErrors() {
    return produceErrors.get() + " (last: " + lastProduceError + ")";
  }

  /** Requests sent a second time. */
  int duplicates() {
    return duplicates.get();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    producer.close();
  }
}
