package io.wanpipeline.runtime.loop;

import io.wanpipeline.runtime.transaction.TransactionFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes output records and the consumer's next offsets in one Kafka transaction, so that an output
 * is never visible without its input being consumed, and a zombie instance (an older group
 * generation) is fenced by the group coordinator. Every transactional loop writes through one.
 *
 * <p>A failed transaction is classified once, by {@link TransactionFailure#classify}, before it is
 * aborted (an abort hides the records' own errors): {@link Fatal} is thrown without an abort;
 * otherwise the transaction is aborted and {@link Unwritable} or {@link Aborted} is thrown, or, for
 * an error that is not Kafka's (the schema registry unreachable from a serializer), the error
 * itself, so that the loop decides how long to wait ({@link LoopFailure}). <b>The one rule after a
 * failed abort:</b> the producer's state is unknown, so the failure is {@link Fatal} (the loop
 * stops, the process exits and its successor's {@code initTransactions} fences whatever is left);
 * the original error is its cause and the abort's error is suppressed in it.
 *
 * @param <K> the producer's key type
 * @param <V> the producer's value type
 */
public final class TransactionalWriter<K, V> {
  private final Producer<K, V> producer;
  private final Supplier<ConsumerGroupMetadata> group;

  /** A writer over an initialised transactional producer and its consumer group. */
  public TransactionalWriter(Producer<K, V> producer, Supplier<ConsumerGroupMetadata> group) {
    this.producer = Objects.requireNonNull(producer, "producer");
    this.group = Objects.requireNonNull(group, "group");
  }

  /**
   * Commits {@code records} together with offset {@code nextOffset} of {@code source}.
   *
   * @throws Unwritable when the transaction was aborted because one of {@code records} can never be
   *     written (too large for the producer or the broker): the input must go to a dead-letter
   *     topic
   * @throws Aborted when the transaction was aborted (rebalance, broker failure): nothing of it is
   *     visible and the caller must read its partitions again from the last commit
   * @throws Fatal when this producer can no longer be used (fenced by a newer instance, or the
   *     abort of a failed transaction failed)
   */
  public void commit(List<ProducerRecord<K, V>> records, TopicPartition source, long nextOffset) {
    commit(records, Map.of(source, nextOffset));
  }

  /**
   * Commits {@code records} together with the next offsets of several source partitions. With no
   * offset the records are committed alone (the archiver's outputs whose inputs cannot be committed
   * yet, behind an unfinished one); with neither, nothing happens.
   *
   * @throws Unwritable as above
   * @throws Aborted as above
   * @throws Fatal as above
   */
  public void commit(List<ProducerRecord<K, V>> records, Map<TopicPartition, Long> nextOffsets) {
    if (records.isEmpty() && nextOffsets.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    nextOffsets.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
    List<TransactionFailure.Sent> sent = new ArrayList<>(records.size());
    try {
      producer.beginTransaction();
      for (ProducerRecord<K, V> r : records) {
        sent.add(new TransactionFailure.Sent(r.topic(), send(r), bytes(r)));
      }
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, group.get());
      }
      producer.commitTransaction();
    } catch (RuntimeException e) {
      TransactionFailure failure = TransactionFailure.classify(e, sent);
      if (failure instanceof TransactionFailure.Fatal) {
        throw new Fatal("the transactional producer cannot continue: " + failure.cause(), e);
      }
      abortOrStop(e);
      if (!(e instanceof KafkaException)) {
        throw e;
      }
      if (failure instanceof TransactionFailure.Unwritable unwritable) {
        throw new Unwritable(unwritable, e);
      }
      throw new Aborted(e);
    }
  }

  /** Aborts the failed transaction; a failed abort is fatal, whatever failed first. */
  private void abortOrStop(RuntimeException failed) {
    try {
      producer.abortTransaction();
    } catch (RuntimeException abortFailure) {
      failed.addSuppressed(abortFailure);
      throw new Fatal(
          "cannot abort a failed transaction ("
              + TransactionFailure.describe(failed)
              + "): "
              + abortFailure,
          failed);
    }
  }

  /** Sends {@code r}; an error about the record itself thrown at once is kept as its result. */
  private Future<RecordMetadata> send(ProducerRecord<K, V> r) {
    try {
      return producer.send(r);
    } catch (KafkaException e) {
      if (TransactionFailure.recordLevel(e)) {
        return CompletableFuture.failedFuture(e);
      }
      throw e;
    }
  }

  /** The serialized length of a byte-array record (which names the large one), else 0. */
  private static long bytes(ProducerRecord<?, ?> r) {
    long key = r.key() instanceof byte[] k ? k.length : 0;
    long value = r.value() instanceof byte[] v ? v.length : 0;
    return key + value;
  }

  /** The transaction was aborted; nothing of it is visible. */
  public static class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted(Throwable cause) {
      super("transaction aborted: " + TransactionFailure.describe(cause), cause);
    }

    Aborted(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The transaction was aborted because one of its output records can never be written (too large,
   * invalid): reading the input again would fail the same way, so the input must be routed to a
   * dead-letter topic instead, where the loop has one.
   */
  public static final class Unwritable extends Aborted {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final String reason;
    private final String errorClass;

    Unwritable(TransactionFailure.Unwritable failure, Throwable thrown) {
      super("transaction aborted: " + failure.reason(), thrown);
      this.topic = failure.topic();
      this.reason = failure.reason();
      this.errorClass = failure.cause().getClass().getName();
    }

    /** The topic of the output that cannot be written. */
    public String topic() {
      return topic;
    }

    /** The topic and the producer's error, fit for a log line or a dead-letter header. */
    public String reason() {
      return reason;
    }

    /** Class name of the producer's error about the record. */
    public String errorClass() {
      return errorClass;
    }
  }

  /** The producer cannot be used any more; the loop must stop and its process exit. */
  public static final class Fatal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A fatal failure with its cause (may be null). */
    public Fatal(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
