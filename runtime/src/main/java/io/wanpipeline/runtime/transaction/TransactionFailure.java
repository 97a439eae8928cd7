package io.wanpipeline.runtime.transaction;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What a failed Kafka transaction means for the loop that ran it, decided once for every
 * transactional loop of the pipeline.
 *
 * <ul>
 *   <li>{@link Fatal}: the producer cannot be used again (fenced by a newer instance, not
 *       authorised, protocol unsupported). Close it and stop; never retry. (An old epoch, {@code
 *       InvalidProducerEpochException}, is abortable since KIP-588.)
 *   <li>{@link Unwritable}: one of the outputs can never be written, whatever is retried (too large
 *       for the producer or the broker, refused as invalid). Abort, and route the input that
 *       produced it to a dead-letter topic with this cause instead of reading it again, or the loop
 *       retries it forever.
 *   <li>{@link Abortable}: anything else (a rebalance, a broker or coordinator failure, a timeout).
 *       Abort and read the input again from the last commit.
 * </ul>
 */
public sealed interface TransactionFailure {
  /** The exception that decided the classification. */
  Throwable cause();

  /**
   * {@code failure} and, when it differs, its root cause, as one line for a log: the producer's "in
   * an error state" hides the error that put it there.
   */
  static String describe(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == failure ? failure.toString() : failure + "; caused by " + root;
  }

  /** The producer cannot continue. */
  record Fatal(Throwable cause) implements TransactionFailure {}

  /**
   * An output record to {@code topic} can never be written.
   *
   * @param topic the output record's topic
   * @param cause the producer's error on that record
   */
  record Unwritable(String topic, Throwable cause) implements TransactionFailure {
    /** A reason a person can act on: the topic and the producer's error, without record content. */
    public String reason() {
      return "an output to topic "
          + topic
          + " cannot be written: "
          + cause.getClass().getSimpleName()
          + ": "
          + cause.getMessage();
    }
  }

  /** The transaction failed for a reason that may pass; reading the input again is right. */
  record Abortable(Throwable cause) implements TransactionFailure {}

  /**
   * An output record that was handed to the producer, and the producer's answer about it.
   *
   * @param topic the record's topic
   * @param result the producer's answer
   * @param bytes the record's serialized key and value length, which tells which of several records
   *     failed with one size error is the large one
   */
  record Sent(String topic, Future<RecordMetadata> result, long bytes) {
    public Sent {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(result, "result");
    }

    /** A sent record of unknown size. */
    public Sent(String topic, Future<RecordMetadata> result) {
      this(topic, result, 0);
    }

    /** {@code record}, sent with the answer {@code result}. */
    public static Sent of(ProducerRecord<byte[], byte[]> record, Future<RecordMetadata> result) {
      long key = record.key() == null ? 0 : record.key().length;
      long value = record.value() == null ? 0 : record.value().length;
      return new Sent(record.topic(), result, key + value);
    }
  }

  /**
   * Classifies {@code failure}, thrown by {@code beginTransaction}, {@code send}, {@code
   * sendOffsetsToTransaction} or {@code commitTransaction}, given the outputs sent so far in the
   * transaction. Call it before aborting (an abort fails the pending sends with {@link
   * TransactionAbortedException}, hiding their own errors).
   */
  static TransactionFailure classify(RuntimeException failure, List<Sent> sent) {
    Objects.requireNonNull(failure, "failure");
    Optional<Throwable> fatal = fatalIn(failure);
    if (fatal.isPresent()) {
      return new Fatal(fatal.get());
    }
    Sent unwritable = null;
    Throwable unwritableError = null;
    for (Sent s : sent) {
      Optional<Throwable> error = errorOf(s.result());
      if (error.isPresent()) {
        Optional<Throwable> fatalOutput = fatalIn(error.get());
        if (fatalOutput.isPresent()) {
          return new Fatal(fatalOutput.get());
        }
        // Once one record fails, the producer fails the transaction's other pending records with
        // the same error, so a size error is the largest such record's (found in a full run: the
        // small ledger record was named instead of the oversized queue record).
        if (recordLevel(error.get())
            && (unwritable == null
                || isSizeError(error.get())
                    && error.get() == unwritableError
                    && s.bytes() > unwritable.bytes())) {
          unwritable = s;
          unwritableError = error.get();
        }
      }
    }
    if (unwritable != null) {
      return new Unwritable(unwritable.topic(), unwritableError);
    }
    // A record refused before it was sent (too large for the producer) fails the next transactional
    // call with "in an error state", caused by the record's own error, even if its future was lost.
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException) {
        return new Unwritable("(unknown)", t);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return new Abortable(failure);
  }

  /**
   * Whether {@code error}, the producer's answer about one record, says that this record can never
   * be written, whatever is retried: an error about the record itself (its size, its content, its
   * topic), not about the transaction (an abort, a fenced or unknown producer id, a coordinator
   * change) nor a retriable one (a timeout, a leader change). Those abort and are read again.
   */
  public static boolean recordLevel(Throwable error) {
    return error instanceof RecordTooLargeException
        || error instanceof RecordBatchTooLargeException
        || error instanceof InvalidRecordException
        || error instanceof InvalidTimestampException
        || error instanceof InvalidTopicException
        || error instanceof SerializationException;
  }

  /**
   * Whether {@code failure} or one of its causes says that the client cannot be used again: fenced
   * by a newer instance (producer or static group member), not authorised, not authenticated, a
   * protocol the broker does not support, or a broken sequence. Whoever threw it, the loop stops.
   */
  static boolean fatal(Throwable failure) {
    return fatalIn(failure).isPresent();
  }

  private static boolean isSizeError(Throwable error) {
    return error instanceof RecordTooLargeException
        || error instanceof RecordBatchTooLargeException;
  }

  private static Optional<Throwable> fatalIn(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException
          || t instanceof FencedInstanceIdException
          || t instanceof OutOfOrderSequenceException
          || t instanceof AuthorizationException
          || t instanceof AuthenticationException
          || t instanceof UnsupportedVersionException) {
        return Optional.of(t);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }

  private static Optional<Throwable> errorOf(Future<RecordMetadata> result) {
    if (!result.isDone()) {
      return Optional.empty();
    }
    try {
      result.get();
      return Optional.empty();
    } catch (ExecutionException e) {
      return Optional.ofNullable(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(e);
    }
  }
}
