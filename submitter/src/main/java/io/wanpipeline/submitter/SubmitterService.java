package io.wanpipeline.submitter;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.runtime.loop.TransactionalLoop;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.dispatch.CancelRequests;
import io.wanpipeline.submitter.dispatch.DispatchParts;
import io.wanpipeline.submitter.dispatch.Dispatcher;
import io.wanpipeline.submitter.dispatch.InProgressTasks;
import io.wanpipeline.submitter.dispatch.QueuePurger;
import io.wanpipeline.submitter.dispatch.QueueWaitLimit;
import io.wanpipeline.submitter.dispatch.StatusFollower;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submitter: an intake loop consumes {@code video-requests} (decode, check, dedupe, validate)
 * and queues each fresh valid request on {@code submission-queue} keyed by (account, model); a
 * dispatcher loop consumes that queue and submits each request to the provider at most once, under
 * its model's submit rate and in-progress cap, LIVE before BATCH (a dispatch ledger records intent
 * before and outcome after every create call). Status events (SUBMITTED, REJECTED, FAILED) go to
 * {@code task-status}; unreadable records to {@code video-requests-dlq}.
 *
 * <p>Over 400 lines: it wires the two loops' clients, steps and threads, whose start, readiness,
 * failure and close are read together.
 */
public final class SubmitterService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(SubmitterService.class);

  /** How long {@link #close()} waits for both loops to record their last outcomes and stop. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final SubmitterConfig config;
  private final Clock clock;
  private final Topics topics;
  private final SchemaRegistry registry;
  private final Topic<String, SubmissionLedgerEntry> ledgerTopic;
  private final Topic<String, SubmissionLedgerEntry> dispatchTopic;
  private final Topic<String, QueuedRequest> queueTopic;
  private final Function<ProviderAccount, WanClient> clientFactory;
  private final InDoubtReconciler reconciler;
  private final Map<String, WanClient> clients = new ConcurrentHashMap<>();
  private final CompositeMeterRegistry meters = ServiceMeters.forService("submitter");
  private final SubmitterMeters domainMeters = new SubmitterMeters(meters);
  // Written by start(), read by failure() from the runner's thread without the lock.
  private volatile TransactionalLoop loop;
  private volatile Thread thread;
  private volatile TransactionalLoop dispatcher;
  private volatile Thread dispatchThread;
  private volatile Throwable threadDeath;
  private volatile boolean closing;

  /**
   * @param config the configuration
   * @param clock the time source of every decision
   * @param topics the pipeline's topics
   * @param registry schema registry of the ledger's serde
   * @param clientFactory makes the provider client of an account (called once per account)
   */
  public SubmitterService(
      SubmitterConfig config,
      Clock clock,
      Topics topics,
      SchemaRegistry registry,
      Function<ProviderAccount, WanClient> clientFactory) {
    this(config, clock, topics, registry, clientFactory, InDoubtReconciler.none());
  }

  /** As above, with a reconciler of in-doubt submissions. */
  public SubmitterService(
      SubmitterConfig config,
      Clock clock,
      Topics topics,
      SchemaRegistry registry,
      Function<ProviderAccount, WanClient> clientFactory,
      InDoubtReconciler reconciler) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.topics = Objects.requireNonNull(topics, "topics");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.ledgerTopic = SubmissionLedger.topic(topics.names(), registry);
    this.dispatchTopic = SubmissionLedger.dispatchTopic(topics.names(), registry);
    this.queueTopic = SubmissionQueue.topic(topics.names(), registry);
    this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
    this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
  }

  /** Starts the intake and dispatcher loops, each on its own thread, and returns at once. */
  @Override
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    startIntake();
    startDispatcher();
    log.info(
        "submitter started instanceId={} group={} dispatchGroup={} topic={}",
        config.instanceId(),
        config.groupId(),
        config.dispatchGroupId(),
        topics.videoRequests().name());
  }

  private void startIntake() {
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            consumerProperties(config.groupId(), config.transactionalId()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            producerProperties(config.transactionalId()),
            new ByteArraySerializer(),
            new ByteArraySerializer());
    KafkaConsumer<byte[], byte[]> ledgerConsumer =
        new KafkaConsumer<>(
            readerProperties(config.transactionalId() + "-ledger"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    SubmissionLedger ledger = new SubmissionLedger(config.dedupeRetention());
    TransactionalLoop intakeLoop =
        new TransactionalLoop(
            new TransactionalLoop.Settings(
                "submitter-intake",
                SubmissionLoop.RETRY_AFTER_ERROR,
                SubmissionLoop.RETRY_AFTER_ERROR,
                Duration.ZERO),
            clock,
            consumer,
            producer);
    intakeLoop.metrics(meters);
    RecordHandler handler =
        new RecordHandler(
            clock,
            topics,
            ledgerTopic,
            queueTopic,
            ledger,
            config.accounts(),
            new RequestChecks(ModelCatalogue.standard()),
            intakeLoop.writer(),
            domainMeters);
    intakeLoop.step(
        new SubmissionLoop(
            clock,
            topics.videoRequests().name(),
            ledgerTopic.name(),
            consumer,
            new LedgerReader(ledgerConsumer, ledgerTopic, config.ledgerLoadTimeout(), clock),
            ledger,
            handler,
            this::registerIntakeSchemas));
    loop = intakeLoop;
    Thread intake = new Thread(loop, "submitter-intake-" + config.instanceId());
    intake.setUncaughtExceptionHandler(this::threadDied);
    intake.start();
    thread = intake;
  }

  private void startDispatcher() {
    String txId = config.dispatchTransactionalId();
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            consumerProperties(config.dispatchGroupId(), txId),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            producerProperties(txId), new ByteArraySerializer(), new ByteArraySerializer());
    KafkaConsumer<byte[], byte[]> ledgerConsumer =
        new KafkaConsumer<>(
            readerProperties(txId + "-ledger"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    KafkaConsumer<byte[], byte[]> statusConsumer =
        new KafkaConsumer<>(
            readerProperties(txId + "-status"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    InProgressTasks inProgress = new InProgressTasks(config.inProgressHorizon());
    // Cancels are remembered as long as a request may wait in the queue.
    CancelRequests cancels = new CancelRequests(config.maxQueueWait());
    AtomicInteger workers = new AtomicInteger();
    ExecutorService calls =
        Executors.newFixedThreadPool(
            config.dispatchMaxConcurrentCalls(),
            r -> {
              Thread t =
                  new Thread(
                      r, "submitter-call-" + config.instanceId() + "-" + workers.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    DispatchParts parts =
        new DispatchParts(
            clock,
            topics,
            queueTopic,
            dispatchTopic,
            config.accounts(),
            account -> clients.computeIfAbsent(account.name(), n -> clientFactory.apply(account)),
            new RequestChecks(ModelCatalogue.standard()),
            new OutcomeDecider(
                new Backoff(config.backoffInitial(), config.backoffMax(), new Random()),
                config.throttleDeadline()),
            reconciler,
            calls,
            config.ledgerLoadTimeout(),
            this::registerDispatchSchemas,
            new QueueWaitLimit(config.maxQueueWait()),
            new QueuePurger(Admin.create(adminProperties(txId + "-purger"))),
            domainMeters);
    TransactionalLoop dispatchLoop =
        new TransactionalLoop(Dispatcher.loopSettings(), clock, consumer, producer);
    dispatchLoop.metrics(meters);
    dispatchLoop.step(
        new Dispatcher(
            parts,
            consumer,
            dispatchLoop.writer(),
            new LedgerReader(ledgerConsumer, dispatchTopic, config.ledgerLoadTimeout(), clock),
            new SubmissionLedger(config.dedupeRetention()),
            new StatusFollower(
                statusConsumer,
                topics.taskStatus(),
                inProgress,
                topics.requestCommands(),
                cancels,
                clock,
                config.inProgressHorizon()),
            inProgress,
            cancels));
    dispatcher = dispatchLoop;
    Thread dispatch = new Thread(dispatcher, "submitter-dispatch-" + config.instanceId());
    dispatch.setUncaughtExceptionHandler(this::threadDied);
    dispatch.start();
    dispatchThread = dispatch;
  }

  private void threadDied(Thread t, Throwable e) {
    threadDeath = e;
    log.error("submitter thread died thread={} instanceId={}", t.getName(), config.instanceId(), e);
  }

  /**
   * Registers the schemas a loop writes before its first record, so that a registry outage shows at
   * start rather than between a create call and the recording of its answer.
   */
  private void registerIntakeSchemas() {
    registry.register(
        topics.taskStatus().name() + "-value", io.wanpipeline.events.TaskStatus.getClassSchema());
    registry.register(ledgerTopic.name() + "-value", SubmissionLedgerEntry.getClassSchema());
    registry.register(queueTopic.name() + "-value", QueuedRequest.getClassSchema());
  }

  private void registerDispatchSchemas() {
    registry.register(
        topics.taskStatus().name() + "-value", io.wanpipeline.events.TaskStatus.getClassSchema());
    registry.register(dispatchTopic.name() + "-value", SubmissionLedgerEntry.getClassSchema());
  }

  /** True while both loops run. */
  public synchronized boolean isRunning() {
    return loop != null && loop.running() && dispatcher != null && dispatcher.running();
  }

  /**
   * The error the intake or the dispatcher loop stopped on, or the end of either thread, unless
   * {@link #close()} was called: either loop stopped stops the submitter's work.
   */
  @Override
  public Optional<Throwable> failure() {
    if (closing) {
      return Optional.empty();
    }
    TransactionalLoop intake = loop;
    TransactionalLoop dispatch = dispatcher;
    if (intake != null && intake.failure().isPresent()) {
      return Optional.of(intake.failure().get());
    }
    if (dispatch != null && dispatch.failure().isPresent()) {
      return Optional.of(dispatch.failure().get());
    }
    if (threadDeath != null) {
      return Optional.of(threadDeath);
    }
    return ended(thread).or(() -> ended(dispatchThread));
  }

  /** Ready when both loops are ({@link TransactionalLoop#readiness()}). */
  @Override
  public Readiness readiness() {
    TransactionalLoop intake = loop;
    TransactionalLoop dispatch = dispatcher;
    if (intake == null || dispatch == null) {
      return Readiness.waitingFor("submitter: not started");
    }
    return intake.readiness().and(dispatch.readiness());
  }

  @Override
  public CompositeMeterRegistry meters() {
    return meters;
  }

  private Optional<Throwable> ended(Thread t) {
    if (t == null || t.isAlive() || closing) {
      return Optional.empty();
    }
    return Optional.of(
        new IllegalStateException(
            "submitter thread " + t.getName() + " ended without a stop having been asked for"));
  }

  /**
   * Stops consuming: create calls in progress complete and their outcomes are recorded; requests
   * still waiting (for a slot, a permit or a throttle) stay on the queue for the next owner;
   * clients are closed. Waits at most 20 s for the loops; a call still in flight then ends in doubt
   * and is settled at the next start.
   */
  @Override
  public synchronized void close() {
    closing = true;
    if (loop != null) {
      loop.stop();
    }
    if (dispatcher != null) {
      dispatcher.stop();
    }
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    join(thread, "intake", deadline);
    join(dispatchThread, "dispatch", deadline);
    clients.values().forEach(SubmitterService::closeClient);
    clients.clear();
  }

  private void join(Thread t, String what, long deadline) {
    if (t == null) {
      return;
    }
    try {
      t.join(Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      log.warn(
          "submitter {} thread did not stop within {} instanceId={}",
          what,
          STOP_TIMEOUT,
          config.instanceId());
    }
  }

  private static void closeClient(WanClient client) {
    if (client instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.warn("closing a provider client failed: {}", e.toString());
      }
    }
  }

  private Map<String, Object> consumerProperties(String groupId, String clientPrefix) {
    Map<String, Object> props = config.kafka().clientConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    // Static membership: a restarted instance takes its partitions back at once, without waiting
    // for its killed predecessor's session to expire.
    props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientPrefix + "-consumer");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    return props;
  }

  private Map<String, Object> readerProperties(String clientId) {
    Map<String, Object> props = config.kafka().clientConfig();
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return props;
  }

  private Map<String, Object> adminProperties(String clientId) {
    Map<String, Object> props = config.kafka().clientConfig();
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    return props;
  }

  private Map<String, Object> producerProperties(String transactionalId) {
    Map<String, Object> props = config.kafka().clientConfig();
    props.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId + "-producer");
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return props;
  }
}
