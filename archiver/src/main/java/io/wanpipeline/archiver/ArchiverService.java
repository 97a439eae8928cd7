package io.wanpipeline.archiver;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.archiver.archive.ArchiveException;
import io.wanpipeline.archiver.archive.ArchiveMeters;
import io.wanpipeline.archiver.archive.VideoArchiver;
import io.wanpipeline.archiver.download.VideoDownloader;
import io.wanpipeline.archiver.link.AddressRules;
import io.wanpipeline.archiver.link.LinkPolicy;
import io.wanpipeline.archiver.link.LinkResolver;
import io.wanpipeline.archiver.store.S3VideoStore;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.loop.TransactionalLoop;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The archiver service: consumes task-status, archives the video of every SUCCEEDED and
 * LATE_SUCCEEDED request into S3, and produces the request's terminal ARCHIVED or ARCHIVE_FAILED
 * event, exactly once per consumed event (transactional consume-transform-produce). Several
 * instances share the partitions through the consumer group.
 */
public final class ArchiverService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(ArchiverService.class);
  private static final Duration BUCKET_TIMEOUT = Duration.ofSeconds(30);

  private final ArchiverConfig config;
  private final Clock clock;
  private final Topics topics;
  private final S3AsyncClient s3;
  private final List<AutoCloseable> owned = new CopyOnWriteArrayList<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final VideoDownloader downloader;
  private final VideoArchiver archiver;
  private final CompositeMeterRegistry meters = ServiceMeters.forService("archiver");
  private final ArchiveMeters archiveMeters = new ArchiveMeters(meters);
  private volatile TransactionalLoop loop;
  // Written by start(), read by failure() from the runner's thread without the lock.
  private volatile Thread loopThread;
  private volatile Throwable failure;
  private volatile boolean closing;

  /**
   * @param config the configuration
   * @param clock time source of events, deadlines and backoff
   * @param topics topic descriptors
   * @param wanClients builds the provider client of an account (once per account)
   * @param s3 the S3 client (multipart enabled); closed by the caller
   */
  public ArchiverService(
      ArchiverConfig config,
      Clock clock,
      Topics topics,
      Function<ProviderAccount, WanClient> wanClients,
      S3AsyncClient s3) {
    this.config = config;
    this.clock = clock;
    this.topics = topics;
    this.s3 = s3;
    String name = "archiver-" + config.groupId();
    this.workers = Executors.newFixedThreadPool(config.workers(), threads(name + "-worker"));
    this.timer = Executors.newSingleThreadScheduledExecutor(threads(name + "-timer"));
    ArchiverConfig.LinkSettings links = config.links();
    this.downloader =
        new VideoDownloader(
            new LinkPolicy(
                links.hosts(),
                links.allowHttp(),
                new AddressRules(links.allowedAddresses()),
                LinkPolicy.systemResolver()),
            config.archive().connectTimeout(),
            config.archive().downloadTimeout(),
            links.trustStore());
    this.archiver =
        new VideoArchiver(
            config.archive(),
            clock,
            new LinkResolver(config.accounts(), wanClients),
            account ->
                config
                    .accounts()
                    .resolve(account)
                    .orElseGet(config.accounts()::defaultAccount)
                    .limits()
                    .archiveRate(),
            downloader,
            new S3VideoStore(s3),
            new Backoff(
                config.archive().initialBackoff(), config.archive().maxBackoff(), new Random()),
            workers,
            timer,
            archiveMeters);
  }

  /**
   * Creates the bucket when {@code archiver.create-bucket} is set (blocking, at most 30 s), then
   * starts consuming on a background thread.
   */
  @Override
  public synchronized void start() {
    if (loopThread != null) {
      throw new IllegalStateException("archiver already started");
    }
    if (config.archive().createBucket()) {
      try {
        new S3VideoStore(s3).ensureBucket(config.archive().bucket(), BUCKET_TIMEOUT);
      } catch (ArchiveException e) {
        throw new IllegalStateException(
            "cannot create bucket " + config.archive().bucket() + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted creating the bucket", e);
      }
    }
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    KafkaProducer<String, TaskStatus> producer;
    try {
      producer =
          new KafkaProducer<>(
              producerProperties(),
              new StringSerializer(),
              topics.taskStatus().valueSerde().serializer());
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    TransactionalLoop archiveLoop =
        new TransactionalLoop(
            new TransactionalLoop.Settings(
                "archiver",
                ArchiveLoop.REGISTRY_RETRY,
                ArchiveLoop.RETRY_AFTER_ERROR,
                config.shutdownGrace()),
            clock,
            consumer,
            producer);
    archiveLoop.metrics(meters);
    archiveLoop.step(
        new ArchiveLoop(
            consumer,
            archiveLoop.writer(),
            topics.taskStatus(),
            archiver,
            clock,
            config.workers(),
            config.expiryMargin(),
            archiveMeters));
    loop = archiveLoop;
    Thread thread =
        new Thread(
            () -> {
              try {
                archiveLoop.run();
              } catch (Throwable t) {
                failure = t;
                // The stack trace is logged once, by whoever ends the process (ServiceRunner).
                log.error(
                    "Archiver stopped on an unrecoverable error: groupId={}, error={}",
                    config.groupId(),
                    t.toString());
              }
            },
            "archiver-" + config.groupId() + "-loop");
    thread.start();
    loopThread = thread;
    log.info(
        "Archiver started: groupId={}, topic={}, bucket={}",
        config.groupId(),
        topics.taskStatus().name(),
        config.archive().bucket());
  }

  /** The Kafka consumer settings. */
  Map<String, Object> consumerProperties() {
    Map<String, Object> props = config.kafka().clientConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    // Static membership: a restarted instance takes its partitions back at once, without waiting
    // for its killed predecessor's session to expire.
    props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-consumer");
    return props;
  }

  /** The Kafka producer settings. */
  Map<String, Object> producerProperties() {
    Map<String, Object> props = config.kafka().clientConfig();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-producer");
    return props;
  }

  /** Hands {@code resource} (the S3 client a main created for this service) to {@link #close()}. */
  public ArchiverService owning(AutoCloseable resource) {
    owned.add(resource);
    return this;
  }

  /** True while the consume loop runs. */
  public synchronized boolean running() {
    return loopThread != null && loopThread.isAlive();
  }

  /**
   * The error that stopped the loop, if it stopped on one; or, unless {@link #close()} was called,
   * the end of the loop's thread: without its loop the archiver does nothing.
   */
  @Override
  public Optional<Throwable> failure() {
    Thread thread = loopThread;
    boolean ended = thread != null && !thread.isAlive();
    // Read after isAlive(): the loop's error is set before its thread ends.
    TransactionalLoop current = loop;
    Throwable error =
        failure != null ? failure : current == null ? null : current.failure().orElse(null);
    if (error != null) {
      return Optional.of(error);
    }
    if (!ended || closing) {
      return Optional.empty();
    }
    return Optional.of(
        new IllegalStateException(
            "the archiver loop ended without a stop having been asked for: groupId="
                + config.groupId()));
  }

  /** Ready when its loop is ({@link TransactionalLoop#readiness()}). */
  @Override
  public Readiness readiness() {
    TransactionalLoop current = loop;
    return current == null ? Readiness.waitingFor("archiver: not started") : current.readiness();
  }

  @Override
  public CompositeMeterRegistry meters() {
    return meters;
  }

  /** ARCHIVED events committed by this instance since it started. */
  public long archivedCount() {
    return archiveMeters.archivedCount();
  }

  /** ARCHIVE_FAILED events committed by this instance since it started. */
  public long failedCount() {
    return archiveMeters.failedCount();
  }

  /**
   * Queued requests whose archive is estimated to start less than {@code archiver.expiry-margin}
   * before their result link expires, at the last backlog check (about once a second).
   */
  public long expiryAtRiskCount() {
    return archiveMeters.expiryAtRiskCount();
  }

  /**
   * Stops: no new archives, archives in flight get {@code archiver.shutdown-grace} to finish and be
   * committed, the rest are abandoned uncommitted (their uploads aborted) for the next owner.
   */
  @Override
  public synchronized void close() {
    closing = true;
    if (loop != null) {
      loop.stop();
      try {
        loopThread.join(
            config.shutdownGrace().plus(ArchiveLoop.CLOSE_TIMEOUT.multipliedBy(2)).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    timer.shutdownNow();
    workers.shutdownNow();
    try {
      workers.awaitTermination(ArchiveLoop.CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      downloader.close();
    } catch (RuntimeException e) {
      log.warn("Error closing the downloader: groupId={}: {}", config.groupId(), e.toString());
    }
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("Error closing {}: {}", resource.getClass().getSimpleName(), e.toString());
      }
    }
    log.info(
        "Archiver stopped: groupId={}, archived={}, failed={}",
        config.groupId(),
        archiveMeters.archivedCount(),
        archiveMeters.failedCount());
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
