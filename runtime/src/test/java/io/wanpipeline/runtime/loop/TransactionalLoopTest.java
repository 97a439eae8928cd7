package io.wanpipeline.runtime.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The loop's rules, on Kafka's in-memory clients and a clock the test moves: what a failure out of
 * a turn leads to, and how the loop stops. The services' loops against a real broker are covered by
 * SubmitterIT, SubmitterAdmissionIT, ArchiverIT and FailedServiceExitIT.
 */
class TransactionalLoopTest {
  private static final TopicPartition TP = new TopicPartition("in", 0);
  private static final Duration REGISTRY_PAUSE = Duration.ofSeconds(1);
  private static final Duration ERROR_PAUSE = Duration.ofSeconds(5);
  private static final Duration AT_MOST = Duration.ofSeconds(10);

  private final TestClock clock = new TestClock(Instant.parse("2026-03-01T08:00:00Z"));
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final ScriptedStep step = new ScriptedStep();
  private TransactionalLoop loop;
  private Thread thread;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (loop != null) {
      loop.stop();
      thread.join(AT_MOST.toMillis());
    }
  }

  @Test
  void anUnansweredRegistryRewindsAndHoldsReadingForTheRegistryPause() {
    step.failNextWork(() -> new SchemaRegistryException("no answer", 0, null));
    start(Duration.ZERO);

    await().atMost(AT_MOST).until(() -> step.rewinds.get() == 1);
    int worked = step.works.get();
    await()
        .atMost(AT_MOST)
        .untilAsserted(() -> assertThat(consumer.paused()).as("reading held").containsExactly(TP));
    assertThat(step.works.get()).as("no work while held").isEqualTo(worked);

    clock.advance(REGISTRY_PAUSE);
    await().atMost(AT_MOST).until(() -> step.works.get() > worked);
    assertThat(consumer.paused()).as("resumed after the pause").isEmpty();
    assertThat(loop.failure()).isEmpty();
  }

  @Test
  void anAbortedTransactionRewindsAndReadsAgainAtOnce() {
    step.failNextWork(() -> new TransactionalWriter.Aborted(new TimeoutException("late")));
    start(Duration.ZERO);

    await().atMost(AT_MOST).until(() -> step.rewinds.get() == 1);
    int worked = step.works.get();
    await().atMost(AT_MOST).until(() -> step.works.get() > worked);
    assertThat(consumer.paused()).isEmpty();
  }

  @Test
  void anUnexpectedErrorRewindsAndHoldsReadingForTheErrorPause() {
    step.failNextWork(() -> new IllegalStateException("a bug"));
    start(Duration.ZERO);

    await().atMost(AT_MOST).until(() -> step.rewinds.get() == 1);
    int worked = step.works.get();
    clock.advance(REGISTRY_PAUSE);
    await().atMost(AT_MOST).untilAsserted(() -> assertThat(consumer.paused()).contains(TP));
    assertThat(step.works.get()).as("still held after the registry pause").isEqualTo(worked);

    clock.advance(ERROR_PAUSE);
    await().atMost(AT_MOST).until(() -> step.works.get() > worked);
  }

  @Test
  void anUnexpectedErrorAtEveryTryStopsTheLoopAfterTenInARow() {
    for (int i = 0; i < TransactionalLoop.MAX_UNEXPECTED_IN_A_ROW; i++) {
      step.failNextWork(() -> new IllegalStateException("a bug that comes back"));
    }
    start(Duration.ZERO);

    for (int i = 1; i < TransactionalLoop.MAX_UNEXPECTED_IN_A_ROW; i++) {
      int rewound = i;
      await().atMost(AT_MOST).until(() -> step.rewinds.get() == rewound);
      assertThat(loop.running()).as("still retrying after %d errors", i).isTrue();
      clock.advance(ERROR_PAUSE);
    }
    await().atMost(AT_MOST).until(() -> !loop.running());
    assertThat(loop.failure())
        .get()
        .satisfies(e -> assertThat(e).hasMessageContaining("10 turns in a row"));
    assertThat(consumer.closed()).isTrue();
  }

  @Test
  void workThatFinishesBetweenUnexpectedErrorsStartsTheCountAgain() {
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < TransactionalLoop.MAX_UNEXPECTED_IN_A_ROW - 1; i++) {
        step.failNextWork(() -> new IllegalStateException("a passing error"));
      }
      step.failures.add(() -> null); // one turn whose work finishes
    }
    start(Duration.ZERO);

    int errors = 3 * (TransactionalLoop.MAX_UNEXPECTED_IN_A_ROW - 1);
    for (int i = 1; i <= errors; i++) {
      int rewound = i;
      await().atMost(AT_MOST).until(() -> step.rewinds.get() == rewound);
      clock.advance(ERROR_PAUSE);
    }
    await().atMost(AT_MOST).until(() -> step.failures.isEmpty());
    assertThat(loop.running()).isTrue();
    assertThat(loop.failure()).isEmpty();
  }

  @Test
  void aFatalFailureStopsTheLoopWithItsCauseAndClosesTheClients() {
    step.failNextWork(
        () ->
            new TransactionalWriter.Fatal(
                "the transactional producer cannot continue", new ProducerFencedException("x")));
    start(Duration.ZERO);

    await().atMost(AT_MOST).until(() -> !loop.running());
    assertThat(loop.failure()).get().isInstanceOf(TransactionalWriter.Fatal.class);
    assertThat(step.rewinds.get()).as("nothing is read again").isZero();
    assertThat(consumer.closed()).isTrue();
    assertThat(producer.closed()).isTrue();
    assertThat(step.closed.get()).isTrue();
  }

  @Test
  void aStepThatCannotPrepareStopsTheLoop() {
    step.prepareFailure = new IllegalStateException("topic in does not exist");
    start(Duration.ZERO);

    await().atMost(AT_MOST).until(() -> !loop.running());
    assertThat(loop.failure()).get().isSameAs(step.prepareFailure);
  }

  @Test
  void aStopGivesBusyWorkTheShutdownGraceThenEndsWithoutFailure() {
    step.busy.set(true);
    start(Duration.ofSeconds(30));
    await().atMost(AT_MOST).until(() -> step.works.get() > 0);

    loop.stop();
    await().atMost(AT_MOST).until(() -> step.stoppingWorks.get() > 0);
    assertThat(loop.running()).as("still draining").isTrue();

    step.busy.set(false);
    await().atMost(AT_MOST).until(() -> !loop.running());
    assertThat(loop.failure()).isEmpty();
  }

  @Test
  void theShutdownGraceEndsTheDrainOfWorkThatNeverFinishes() {
    step.busy.set(true);
    start(Duration.ofSeconds(30));
    await().atMost(AT_MOST).until(() -> step.works.get() > 0);

    loop.stop();
    await().atMost(AT_MOST).until(() -> step.stoppingWorks.get() > 0);
    clock.advance(Duration.ofSeconds(30));

    await().atMost(AT_MOST).until(() -> !loop.running());
    assertThat(loop.failure()).isEmpty();
  }

  private void start(Duration shutdownGrace) {
    consumer.updateBeginningOffsets(Map.of(TP, 0L));
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(TP)));
    loop =
        new TransactionalLoop(
                new TransactionalLoop.Settings("test", REGISTRY_PAUSE, ERROR_PAUSE, shutdownGrace),
                clock,
                consumer,
                producer)
            .step(step);
    thread = new Thread(loop, "loop-under-test");
    thread.start();
  }

  /** A step that counts what the loop asks of it and fails when told to. */
  private static final class ScriptedStep implements LoopStep {
    final AtomicInteger works = new AtomicInteger();
    final AtomicInteger stoppingWorks = new AtomicInteger();
    final AtomicInteger rewinds = new AtomicInteger();
    final AtomicBoolean busy = new AtomicBoolean();
    final AtomicBoolean closed = new AtomicBoolean();
    final ConcurrentLinkedQueue<Supplier<RuntimeException>> failures =
        new ConcurrentLinkedQueue<>();
    volatile RuntimeException prepareFailure;

    void failNextWork(Supplier<RuntimeException> failure) {
      failures.add(failure);
    }

    @Override
    public Collection<String> topics() {
      return Set.of(TP.topic());
    }

    @Override
    public void prepare() {
      if (prepareFailure != null) {
        throw prepareFailure;
      }
    }

    @Override
    public void read(ConsumerRecords<byte[], byte[]> records) {}

    @Override
    public void work(boolean stopping) {
      if (stopping) {
        stoppingWorks.incrementAndGet();
        return;
      }
      works.incrementAndGet();
      Supplier<RuntimeException> failure = failures.poll();
      RuntimeException error = failure == null ? null : failure.get();
      if (error != null) {
        throw error;
      }
    }

    @Override
    public Duration pollTimeout() {
      return Duration.ofMillis(10);
    }

    @Override
    public void rewind() {
      rewinds.incrementAndGet();
    }

    @Override
    public boolean busy() {
      return busy.get();
    }

    @Override
    public void close() {
      closed.set(true);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
  }

  /** A clock the test moves, read by the loop's thread. */
  private static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
