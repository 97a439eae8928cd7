package io.wanpipeline.submitter;

import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.service.PipelineService;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The submitter: consumes {@code video-requests}, submits each request to the provider at most once
 * (a compacted ledger records intent before and outcome after every create call), and announces
 * SUBMITTED, REJECTED or FAILED on {@code task-status}. Unreadable records go to {@code
 * video-requests-dlq}.
 */
public final class SubmitterService implements PipelineService {
  private static final Logger log = LoggerFactory.getLogger(SubmitterService.class);

  private final SubmitterConfig config;
  private final Clock clock;
  private final Topics topics;
  private final SchemaRegistry registry;
  private final Topic<String, SubmissionLedgerEntry> ledgerTopic;
  private final Function<ProviderAccount, WanClient> clientFactory;
  private final InDoubtReconciler reconciler;
  private final Map<String, WanClient> clients = new ConcurrentHashMap<>();
  private SubmissionLoop loop;
  private Thread thread;

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
    this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
    this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
  }

  /** Starts the consumer loop on its own thread and returns at once. */
  @Override
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
    KafkaConsumer<byte[], byte[]> ledgerConsumer =
        new KafkaConsumer<>(
            ledgerReaderProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    SubmissionLedger ledger = new SubmissionLedger();
    RecordHandler handler =
        new RecordHandler(
            clock,
            topics,
            ledgerTopic,
            ledger,
            config.accounts(),
            account -> clients.computeIfAbsent(account.name(), n -> clientFactory.apply(account)),
            new RequestChecks(ModelCatalogue.standard()),
            new OutcomeDecider(
                new Backoff(config.backoffInitial(), config.backoffMax(), new Random()),
                config.throttleDeadline()),
            reconciler,
            new Transactor(producer, consumer::groupMetadata));
    loop =
        new SubmissionLoop(
            clock,
            topics.videoRequests().name(),
            ledgerTopic.name(),
            consumer,
            producer,
            new LedgerReader(ledgerConsumer, ledgerTopic, config.ledgerLoadTimeout(), clock),
            ledger,
            handler,
            this::registerSchemas);
    thread = new Thread(loop, "submitter-" + config.instanceId());
    thread.setUncaughtExceptionHandler(
        (t, e) -> log.error("submitter thread died instanceId={}", config.instanceId(), e));
    thread.start();
    log.info(
        "submitter started instanceId={} group={} topic={}",
        config.instanceId(),
        config.groupId(),
        topics.videoRequests().name());
  }

  /**
   * Registers the schemas this service writes before the first record, so that a registry outage
   * shows at start rather than between a create call and the recording of its answer.
   */
  private void registerSchemas() {
    registry.register(
        topics.taskStatus().name() + "-value", io.wanpipeline.events.TaskStatus.getClassSchema());
    registry.register(ledgerTopic.name() + "-value", SubmissionLedgerEntry.getClassSchema());
  }

  /** True while the consumer loop runs. */
  public synchronized boolean isRunning() {
    return loop != null && loop.running();
  }

  /** True when the consumer loop stopped on an error. */
  public synchronized boolean hasFailed() {
    return loop != null && loop.failed();
  }

  /**
   * Stops consuming: a create call in progress completes and its outcome is recorded; a request
   * waiting out a throttle stays DEFERRED in the ledger for the next owner; clients are closed.
   */
  @Override
  public synchronized void close() {
    if (loop != null) {
      loop.stop();
      try {
        thread.join(Duration.ofSeconds(60).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        log.warn("submitter thread did not stop within 60 s instanceId={}", config.instanceId());
      }
    }
    clients.values().forEach(SubmitterService::closeClient);
    clients.clear();
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

  private Map<String, Object> consumerProperties() {
    Map<String, Object> props = config.kafka().clientConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-consumer");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
    return props;
  }

  private Map<String, Object> ledgerReaderProperties() {
    Map<String, Object> props = config.kafka().clientConfig();
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-ledger");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return props;
  }

  private Map<String, Object> producerProperties() {
    Map<String, Object> props = config.kafka().clientConfig();
    props.put(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-producer");
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return props;
  }
}
