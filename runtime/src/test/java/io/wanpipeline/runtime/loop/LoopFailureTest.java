package io.wanpipeline.runtime.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.net.ConnectException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

class LoopFailureTest {
  @Test
  void aFencedStaticMemberThrownByThePollStopsTheLoop() {
    assertThat(LoopFailure.of(new FencedInstanceIdException("another instance took the id")))
        .isEqualTo(LoopFailure.FATAL);
  }

  @Test
  void aFencedProducerInsideARebalanceCallbackStopsTheLoop() {
    assertThat(
            LoopFailure.of(
                new KafkaException(
                    "User rebalance callback throws an error",
                    new TransactionalWriter.Fatal(
                        "fenced", new ProducerFencedException("newer epoch")))))
        .isEqualTo(LoopFailure.FATAL);
  }

  @Test
  void aWakeupNobodyAskedForStopsTheLoop() {
    assertThat(LoopFailure.of(new WakeupException())).isEqualTo(LoopFailure.FATAL);
  }

  @Test
  void anAbortedTransactionIsReadAgainAtOnceEvenFromARebalanceCallback() {
    TransactionalWriter.Aborted aborted =
        new TransactionalWriter.Aborted(new TimeoutException("commit timed out"));
    assertThat(LoopFailure.of(aborted)).isEqualTo(LoopFailure.ABORTABLE);
    assertThat(LoopFailure.of(new KafkaException("User rebalance callback throws", aborted)))
        .isEqualTo(LoopFailure.ABORTABLE);
  }

  @Test
  void anUnansweredRegistryWaitsForTheRegistryButAnAnswerAboutTheRecordDoesNot() {
    assertThat(
            LoopFailure.of(
                new SchemaRegistryException("no answer", 0, new ConnectException("refused"))))
        .isEqualTo(LoopFailure.REGISTRY_UNAVAILABLE);
    assertThat(LoopFailure.of(new SchemaRegistryException("unavailable", 503, null)))
        .isEqualTo(LoopFailure.REGISTRY_UNAVAILABLE);
    assertThat(LoopFailure.of(new SchemaRegistryException("schema not found", 40403, null)))
        .isEqualTo(LoopFailure.UNEXPECTED);
  }

  @Test
  void anythingElseIsUnexpected() {
    assertThat(LoopFailure.of(new IllegalStateException("a bug")))
        .isEqualTo(LoopFailure.UNEXPECTED);
    assertThat(LoopFailure.of(new TimeoutException("committed() timed out")))
        .isEqualTo(LoopFailure.UNEXPECTED);
  }
}
