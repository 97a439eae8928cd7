package io.wanpipeline.submitter;

import io.wanpipeline.runtime.transaction.TransactionFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Writes records and the consumer's offset in one Kafka transaction, so that an output is never
 * recorded without its input being consumed, and a zombie instance (an older group generation) is
 * fenced by the group coordinator.
 */
public final class Transactor {
  private final Producer<byte[], byte[]> producer;
  private final Supplier<ConsumerGroupMetadata> group;

  /** A transactor over an initialised transactional producer and its consumer group. */
  public Transactor(Producer<byte[], byte[]> producer, Supplier<ConsumerGroupMetadata> group) {
    this.producer = producer;
    this.group = group;
  }

  /**
   * Commits {@code records} together with offset {@code nextOffset} of {@code source}.
   *
   * @throws Unwritable when the transaction was aborted because one of {@code records} can never be
   *     written (too large for the producer or the broker): the input must go to a dead-letter
   *     topic
   * @throws Aborted when the transaction was aborted (rebalance, broker failure): nothing of it is
   *     visible and the caller must re-read its partitions
   * @throws Fatal when this producer can no longer be used (fenced by a newer instance)
   */
  public void commit(
      List<ProducerRecord<byte[], byte[]>> records, TopicPartition source, long nextOffset) {
    commit(records, Map.of(source, nextOffset));
  }

  /**
   * Commits {@code records} together with the next offsets of several source partitions; {@code
   * nextOffsets} must not be empty (the offsets are what fences a zombie).
   *
   * @throws Aborted as above
   * @throws Fatal as above
   */
  public void commit(
      List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, Long> nextOffsets) {
    if (nextOffsets.isEmpty()) {
      throw new IllegalArgumentException("a transaction must commit the offset of a partition");
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>();
    nextOffsets.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
    List<TransactionFailure.Sent> sent = new ArrayList<>(records.size());
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> r : records) {
        sent.add(TransactionFailure.Sent.of(r, send(r)));
      }
      producer.sendOffsetsToTransaction(offsets, group.get());
      producer.commitTransaction();
    } catch (KafkaException e) {
      TransactionFailure failure = TransactionFailure.classify(e, sent);
      if (failure instanceof TransactionFailure.Fatal) {
        throw new Fatal("the transactional producer cannot continue: " + failure.cause(), e);
      }
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailure) {
        e.addSuppressed(abortFailure);
        throw new Fatal("cannot abort a failed transaction: " + abortFailure, e);
      }
      if (failure instanceof TransactionFailure.Unwritable unwritable) {
        throw new Unwritable(unwritable, e);
      }
      throw new Aborted(e);
    }
  }

  /** Sends {@code r}; an error about the record itself thrown at once is kept as its result. */
  private Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r) {
    try {
      return producer.send(r);
    } catch (KafkaException e) {
      if (TransactionFailure.recordLevel(e)) {
        return CompletableFuture.failedFuture(e);
      }
      throw e;
    }
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
   * dead-letter topic instead.
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

  /** The producer cannot be used any more; the instance must stop. */
  public static final class Fatal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A fatal failure with its cause (may be null). */
    public Fatal(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
