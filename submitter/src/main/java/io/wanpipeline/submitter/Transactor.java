package io.wanpipeline.submitter;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

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
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> r : records) {
        producer.send(r);
      }
      producer.sendOffsetsToTransaction(offsets, group.get());
      producer.commitTransaction();
    } catch (ProducerFencedException
        | FencedInstanceIdException
        | OutOfOrderSequenceException
        | AuthorizationException
        | AuthenticationException
        | UnsupportedVersionException e) {
      throw new Fatal("the transactional producer cannot continue: " + e, e);
    } catch (KafkaException e) {
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailure) {
        e.addSuppressed(abortFailure);
        throw new Fatal("cannot abort a failed transaction: " + abortFailure, e);
      }
      throw new Aborted(e);
    }
  }

  /** The transaction was aborted; nothing of it is visible. */
  public static final class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted(Throwable cause) {
      super("transaction aborted: " + cause, cause);
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
