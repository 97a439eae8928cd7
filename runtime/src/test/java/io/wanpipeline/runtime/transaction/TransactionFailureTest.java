package io.wanpipeline.runtime.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.junit.jupiter.api.Test;

class TransactionFailureTest {
  private static final KafkaException ERROR_STATE_OF_TOO_LARGE =
      new KafkaException(
          "Cannot execute transactional method because we are in an error state",
          new RecordTooLargeException("The message is 1048700 bytes when serialized"));

  private static TransactionFailure.Sent ok(String topic) {
    return new TransactionFailure.Sent(
        topic,
        CompletableFuture.completedFuture(
            new RecordMetadata(new TopicPartition(topic, 0), 0, 0, 0, 0, 0)));
  }

  private static TransactionFailure.Sent failed(String topic, RuntimeException e) {
    return new TransactionFailure.Sent(topic, CompletableFuture.<RecordMetadata>failedFuture(e));
  }

  private static TransactionFailure.Sent pending(String topic) {
    return new TransactionFailure.Sent(topic, new CompletableFuture<>());
  }

  @Test
  void aRecordTooLargeForTheProducerNamesItsTopic() {
    TransactionFailure f =
        TransactionFailure.classify(
            ERROR_STATE_OF_TOO_LARGE,
            List.of(
                ok("ledger"),
                failed("queue", new RecordTooLargeException("The message is 1048700 bytes")),
                pending("status")));

    assertThat(f).isInstanceOf(TransactionFailure.Unwritable.class);
    TransactionFailure.Unwritable u = (TransactionFailure.Unwritable) f;
    assertThat(u.topic()).isEqualTo("queue");
    assertThat(u.reason())
        .isEqualTo(
            "an output to topic queue cannot be written: RecordTooLargeException: The message is"
                + " 1048700 bytes");
  }

  @Test
  void aTooLargeCauseWithoutItsFutureIsStillUnwritable() {
    TransactionFailure f = TransactionFailure.classify(ERROR_STATE_OF_TOO_LARGE, List.of());

    assertThat(f).isInstanceOf(TransactionFailure.Unwritable.class);
    assertThat(f.cause()).isInstanceOf(RecordTooLargeException.class);
  }

  @Test
  void aFencedProducerIsFatalEvenWhenARecordFailedToo() {
    TransactionFailure f =
        TransactionFailure.classify(
            new ProducerFencedException("fenced"),
            List.of(failed("queue", new RecordTooLargeException("too large"))));

    assertThat(f).isInstanceOf(TransactionFailure.Fatal.class);
  }

  @Test
  void aFatalErrorInsideAWrapperIsFatal() {
    TransactionFailure f =
        TransactionFailure.classify(
            new KafkaException(
                "Cannot execute transactional method because we are in an error state",
                new TopicAuthorizationException("not allowed")),
            List.of());

    assertThat(f).isInstanceOf(TransactionFailure.Fatal.class);
  }

  @Test
  void retriableAndTransactionLevelErrorsAbortAndAreReadAgain() {
    assertThat(
            TransactionFailure.classify(
                new TimeoutException("commit timed out"),
                List.of(failed("status", new NotLeaderOrFollowerException("moved")))))
        .isInstanceOf(TransactionFailure.Abortable.class);
    assertThat(
            TransactionFailure.classify(
                new KafkaException("aborted"),
                List.of(failed("status", new TransactionAbortedException("aborted")))))
        .isInstanceOf(TransactionFailure.Abortable.class);
    assertThat(
            TransactionFailure.classify(
                new InvalidProducerEpochException("old epoch"), List.of(ok("status"))))
        .as("abortable since KIP-588")
        .isInstanceOf(TransactionFailure.Abortable.class);
  }

  @Test
  void describeNamesTheRootCauseTheErrorStateHides() {
    assertThat(TransactionFailure.describe(ERROR_STATE_OF_TOO_LARGE))
        .isEqualTo(
            "org.apache.kafka.common.KafkaException: Cannot execute transactional method because we"
                + " are in an error state; caused by"
                + " org.apache.kafka.common.errors.RecordTooLargeException: The message is 1048700"
                + " bytes when serialized");
    assertThat(TransactionFailure.describe(new TimeoutException("late")))
        .isEqualTo("org.apache.kafka.common.errors.TimeoutException: late");
  }

  /**
   * Found in a full run: the producer fails every pending record of the transaction with the size
   * error of the one oversized record, so the first failed record named was the small ledger
   * record; the large one is named.
   */
  @Test
  void aSizeErrorSharedByPendingRecordsNamesTheLargestOfThem() {
    RecordTooLargeException tooLarge =
        new RecordTooLargeException("The message is 100341 bytes when serialized");
    TransactionFailure f =
        TransactionFailure.classify(
            new KafkaException("in an error state", tooLarge),
            List.of(
                new TransactionFailure.Sent(
                    "ledger", CompletableFuture.<RecordMetadata>failedFuture(tooLarge), 180),
                new TransactionFailure.Sent(
                    "queue", CompletableFuture.<RecordMetadata>failedFuture(tooLarge), 100_341)));

    assertThat(f).isInstanceOf(TransactionFailure.Unwritable.class);
    assertThat(((TransactionFailure.Unwritable) f).topic()).isEqualTo("queue");
  }
}
