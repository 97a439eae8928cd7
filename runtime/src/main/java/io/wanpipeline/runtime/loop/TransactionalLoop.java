package io.wanpipeline.runtime.loop;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.transaction.TransactionFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one "poll, handle, produce and commit offsets in one transaction" loop of the pipeline, on
 * one thread that owns a consumer and a transactional producer; a service supplies its handling as
 * a {@link LoopStep} and writes through {@link #writer()}. Used by the submitter's intake and
 * dispatcher and by the archiver.
 *
 * <p>Each turn polls, hands the records to the step and lets it work. An exception out of a turn is
 * classified once ({@link LoopFailure}): fatal ends the loop with {@link #failure()} set, which
 * makes the service's process exit non-zero ({@code PipelineService.failure()}); anything else
 * rewinds the step to the last commit, and a registry outage or an unexpected error also holds
 * reading (every owned partition paused, the consumer still polled so it stays in its group) for
 * the registry pause or the error pause. A failed abort is fatal ({@link TransactionalWriter}).
 *
 * <p>Before this class the three loops decided differently; what was kept:
 *
 * <ul>
 *   <li>Fatal Kafka errors: all three applied {@link TransactionFailure#classify} to what the
 *       producer threw, alike. Whatever the consumer's poll threw (rebalance callbacks included)
 *       killed each loop, whatever it was. Now every error is classified the same way, wherever it
 *       is thrown: fatal ones (a fenced static member, a failed ledger load) stop the loop, an
 *       abort inside a rebalance callback (the archiver commits when partitions are revoked)
 *       rewinds as any abort does.
 *   <li>After a failed abort: the intake and the dispatcher stopped with a fatal error carrying
 *       both errors; the archiver stopped with the abort's error alone (the original was lost).
 *       Kept: stop, with the original as cause and the abort's error suppressed.
 *   <li>An error that is not Kafka's inside a transaction (the registry unreachable from the
 *       archiver's serializer): the archiver aborted, rewound and paused reading 1 s, or, for any
 *       other such error, died without aborting; the intake and the dispatcher did not abort at
 *       all, so every later {@code beginTransaction} failed and they retried every 5 s forever, a
 *       loop that looked alive. Now every failed transaction is aborted first, then classified.
 *   <li>An unexpected error in a turn: the intake rewound and paused the one partition 5 s, the
 *       dispatcher rewound and paused all partitions 5 s, the archiver died. Kept the dispatcher's
 *       rule for all (the error pause, all partitions): nothing is half-written, and a passing
 *       error must not take a whole service down; the ERROR log says which. But the intake and the
 *       dispatcher retried forever: after {@link #MAX_UNEXPECTED_IN_A_ROW} in a row the loop now
 *       stops, and the process exits to be restarted, rather than look alive doing nothing.
 *   <li>An output that can never be written: the intake dead-letters the input (its step catches
 *       {@link TransactionalWriter.Unwritable}); the dispatcher and the archiver, without a
 *       dead-letter topic, rewind (the archiver logging it at ERROR). Kept, as abortable.
 *   <li>Stopping: the intake and the dispatcher woke the consumer, the archiver waited for its 100
 *       ms poll; now every loop wakes it. The archiver gave archives in flight its shutdown grace,
 *       the dispatcher gave calls in flight 90 s, the intake nothing: kept, as the loop's shutdown
 *       grace. The intake and the dispatcher closed the producer before the consumer, the archiver
 *       after it; now always after, so a commit made as the close revokes the partitions can still
 *       be written.
 *   <li>A transaction with outputs and no offset: refused by {@code Transactor}, used by the
 *       archiver (outputs finished behind an unfinished record). Allowed.
 * </ul>
 */
public final class TransactionalLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(TransactionalLoop.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration HELD_POLL = Duration.ofMillis(100);

  /**
   * Unexpected errors in a row (no turn's work finishing between them) after which the loop stops:
   * an error that comes back at every try would otherwise keep a process that looks alive retrying
   * forever, making no progress. With the 5 s error pause that is about 50 s of retries.
   */
  public static final int MAX_UNEXPECTED_IN_A_ROW = 10;

  /**
   * How a loop waits.
   *
   * @param name the loop's name, for logs ({@code submitter-intake}, {@code archiver})
   * @param registryPause how long reading pauses after the schema registry did not answer
   * @param errorPause how long reading pauses after an unexpected error
   * @param shutdownGrace how long a stopping loop keeps turning while its step is {@link
   *     LoopStep#busy() busy}
   */
  public record Settings(
      String name, Duration registryPause, Duration errorPause, Duration shutdownGrace) {
    public Settings {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(registryPause, "registryPause");
      Objects.requireNonNull(errorPause, "errorPause");
      Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    }
  }

  private final Settings settings;
  private final Clock clock;
  private final Consumer<byte[], byte[]> consumer;
  private final Producer<?, ?> producer;
  private LoopStep step;
  private final Set<TopicPartition> pausedByLoop = new HashSet<>();
  private Instant heldUntil = Instant.MIN;
  private int unexpectedInARow;
  private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();
  private volatile boolean stopRequested;
  private volatile boolean running = true;
  private volatile RuntimeException failure;
  private volatile boolean inGroup;
  private volatile boolean registryHeld;

  /**
   * A loop over {@code consumer} (its group, read_committed, no auto commit) and {@code producer}
   * (transactional, not initialised); give it its step with {@link #step(LoopStep)} before running.
   */
  public TransactionalLoop(
      Settings settings, Clock clock, Consumer<byte[], byte[]> consumer, Producer<?, ?> producer) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    this.producer = Objects.requireNonNull(producer, "producer");
  }

  /** Sets the step (which usually needs {@link #writer()} to be built); once, before running. */
  public TransactionalLoop step(LoopStep step) {
    if (this.step != null) {
      throw new IllegalStateException("the step is set already");
    }
    this.step = Objects.requireNonNull(step, "step");
    return this;
  }

  /**
   * Publishes the Kafka clients' own metrics (consumer lag, fetch and commit latency, transaction
   * times) in {@code registry}, tagged {@code loop=<name>}, until the loop closes; before running.
   */
  public TransactionalLoop metrics(MeterRegistry registry) {
    List<Tag> tags = List.of(Tag.of("loop", settings.name()));
    KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer, tags);
    consumerMetrics.bindTo(registry);
    clientMetrics.add(consumerMetrics);
    KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer, tags);
    producerMetrics.bindTo(registry);
    clientMetrics.add(producerMetrics);
    return this;
  }

  /** A writer over this loop's producer and its consumer's group, for the step. */
  public <K, V> TransactionalWriter<K, V> writer() {
    @SuppressWarnings("unchecked")
    Producer<K, V> typed = (Producer<K, V>) producer;
    return new TransactionalWriter<>(typed, consumer::groupMetadata);
  }

  @Override
  public void run() {
    if (step == null) {
      throw new IllegalStateException("no step");
    }
    try {
      step.prepare();
      producer.initTransactions();
      step.initialised();
      consumer.subscribe(step.topics(), step);
      while (!stopRequested) {
        turn(false);
      }
      drain();
    } catch (WakeupException e) {
      if (!stopRequested) {
        fail(e);
      }
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      running = false;
      close();
    }
  }

  /**
   * Asks the loop to stop: it wakes the consumer, finishes the turn in hand, gives busy work its
   * shutdown grace, then closes the clients.
   */
  public void stop() {
    stopRequested = true;
    consumer.wakeup();
  }

  /** True until the loop has stopped. */
  public boolean running() {
    return running;
  }

  /**
   * Whether the loop takes work: running, a member of its consumer group (an assignment made, even
   * of no partition), reading not held by a schema-registry outage. Read from memory; the loop's
   * thread updates it each turn.
   */
  public Readiness readiness() {
    if (!running) {
      return Readiness.waitingFor(settings.name() + ": stopped");
    }
    return Readiness.when(inGroup, settings.name() + ": joining its consumer group")
        .and(Readiness.when(!registryHeld, settings.name() + ": schema registry unavailable"));
  }

  /** The error the loop stopped on, if it stopped on one rather than on request. */
  public Optional<RuntimeException> failure() {
    return Optional.ofNullable(failure);
  }

  private void turn(boolean stopping) {
    try {
      boolean held = holdReading();
      ConsumerRecords<byte[], byte[]> records =
          consumer.poll(held ? HELD_POLL : step.pollTimeout());
      inGroup = consumer.groupMetadata().generationId() > 0;
      step.read(records);
      if (!held) {
        step.work(stopping);
        unexpectedInARow = 0;
      }
    } catch (WakeupException e) {
      if (!stopRequested) {
        throw e;
      }
    } catch (RuntimeException e) {
      recover(e);
    }
  }

  /** Pauses every owned partition while reading is held, resumes them after; true while held. */
  private boolean holdReading() {
    if (clock.instant().isBefore(heldUntil)) {
      Set<TopicPartition> toPause = new HashSet<>(consumer.assignment());
      toPause.removeAll(consumer.paused());
      if (!toPause.isEmpty()) {
        consumer.pause(toPause);
        pausedByLoop.addAll(toPause);
      }
      return true;
    }
    registryHeld = false;
    if (!pausedByLoop.isEmpty()) {
      pausedByLoop.retainAll(consumer.assignment());
      consumer.resume(pausedByLoop);
      pausedByLoop.clear();
    }
    return false;
  }

  private void recover(RuntimeException e) {
    LoopFailure kind = LoopFailure.of(e);
    switch (kind) {
      case FATAL -> throw e;
      case ABORTABLE -> {
        if (e instanceof TransactionalWriter.Unwritable) {
          // Not expected where a step has no dead-letter topic: its inputs are redone until fixed.
          log.error(
              "loop={} an output cannot be written, reading again from the last commit: {}",
              settings.name(),
              e.getMessage());
        } else {
          log.warn(
              "loop={} transaction aborted, reading again from the last commit: {}",
              settings.name(),
              e.getMessage());
        }
      }
      case REGISTRY_UNAVAILABLE -> {
        log.warn(
            "loop={} schema registry unavailable, reading again from the last commit in {}: {}",
            settings.name(),
            settings.registryPause(),
            TransactionFailure.describe(e));
        heldUntil = clock.instant().plus(settings.registryPause());
        registryHeld = true;
      }
      case UNEXPECTED -> {
        if (++unexpectedInARow >= MAX_UNEXPECTED_IN_A_ROW) {
          throw new IllegalStateException(
              "loop "
                  + settings.name()
                  + " failed "
                  + unexpectedInARow
                  + " turns in a row on unexpected errors; stopping so the process is restarted",
              e);
        }
        log.error(
            "loop={} turn failed, reading again from the last commit in {}",
            settings.name(),
            settings.errorPause(),
            e);
        heldUntil = clock.instant().plus(settings.errorPause());
      }
    }
    step.rewind();
  }

  /** Keeps turning, starting nothing new, while the step is busy and the grace lasts. */
  private void drain() {
    Instant graceEnd = clock.instant().plus(settings.shutdownGrace());
    while (failure == null && step.busy() && clock.instant().isBefore(graceEnd)) {
      turn(true);
    }
    if (step.busy()) {
      log.info(
          "loop={} shutdown grace {} over with work in flight; the next owner settles it",
          settings.name(),
          settings.shutdownGrace());
    }
  }

  private void fail(RuntimeException e) {
    failure = e;
    // The stack trace is logged once, by whoever ends the process (ServiceSupervisor).
    log.error("loop={} stopped: {}", settings.name(), TransactionFailure.describe(e));
  }

  private void close() {
    clientMetrics.forEach(KafkaClientMetrics::close);
    try {
      step.close();
    } catch (RuntimeException e) {
      log.warn("loop={} closing its step failed: {}", settings.name(), e.toString());
    }
    try {
      // A static member (group.instance.id) stays in the group after a plain close: leave, so
      // that a survivor takes these partitions at once.
      consumer.close(
          CloseOptions.timeout(CLOSE_TIMEOUT)
              .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    } catch (RuntimeException e) {
      log.warn("loop={} closing the consumer failed: {}", settings.name(), e.toString());
    }
    // After the consumer: its close revokes the partitions, and a step may commit then.
    try {
      producer.close(CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      log.warn("loop={} closing the producer failed: {}", settings.name(), e.toString());
    }
  }
}
