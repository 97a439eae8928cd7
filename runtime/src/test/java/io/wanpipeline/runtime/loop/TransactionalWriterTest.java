package io.wanpipeline.runtime.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer's rules on Kafka's own in-memory producer: failures a real broker does not produce on
 * demand (a commit that fails, then an abort that fails too). The transactions against a real
 * broker are the services' integration tests (SubmitterIT, ArchiverIT).
 */
class TransactionalWriterTest {
  private static final TopicPartition SOURCE = new TopicPartition("in", 0);
  private static final ProducerRecord<String, String> OUT = new ProducerRecord<>("out", "k", "v");

  private MockProducer<String, String> producer;
  private KafkaConsumer<String, String> consumer;
  private TransactionalWriter<String, String> writer;

  @BeforeEach
  void setUp() {
    producer = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    producer.initTransactions();
    // A consumer of group "group" that never polls: its group metadata is all the writer reads.
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9",
                ConsumerConfig.GROUP_ID_CONFIG, "group"),
            new StringDeserializer(),
            new StringDeserializer());
    writer = new TransactionalWriter<>(producer, consumer::groupMetadata);
  }

  @AfterEach
  void closeConsumer() {
    consumer.close();
  }

  @Test
  void commitsTheOutputsWithTheOffsets() {
    writer.commit(List.of(OUT), SOURCE, 8);

    assertThat(producer.transactionCommitted()).isTrue();
    assertThat(producer.history()).containsExactly(OUT);
    assertThat(producer.consumerGroupOffsetsHistory())
        .singleElement()
        .satisfies(o -> assertThat(o.get("group").get(SOURCE).offset()).isEqualTo(8));
  }

  @Test
  void aFailedCommitIsAbortedAndReadAgain() {
    producer.commitTransactionException = new TimeoutException("commit timed out");

    assertThatThrownBy(() -> writer.commit(List.of(OUT), SOURCE, 8))
        .isInstanceOf(TransactionalWriter.Aborted.class)
        .isNotInstanceOf(TransactionalWriter.Unwritable.class);
    assertThat(producer.transactionAborted()).isTrue();
  }

  @Test
  void aFencedProducerIsFatalWithoutAnAbort() {
    producer.commitTransactionException = new ProducerFencedException("newer epoch");

    assertThatThrownBy(() -> writer.commit(List.of(OUT), SOURCE, 8))
        .isInstanceOf(TransactionalWriter.Fatal.class);
    assertThat(producer.transactionAborted()).isFalse();
  }

  @Test
  void aFailedAbortIsFatalAndKeepsTheFirstError() {
    TimeoutException commitFailure = new TimeoutException("commit timed out");
    producer.commitTransactionException = commitFailure;
    producer.abortTransactionException = new KafkaException("abort failed too");

    assertThatThrownBy(() -> writer.commit(List.of(OUT), SOURCE, 8))
        .isInstanceOf(TransactionalWriter.Fatal.class)
        .hasCause(commitFailure)
        .satisfies(
            e ->
                assertThat(e.getCause().getSuppressed())
                    .as("the abort's own error is kept beside the first")
                    .hasSize(1));
  }

  @Test
  void anErrorThatIsNotKafkasIsAbortedAndRethrownForTheLoopToClassify() {
    SchemaRegistryException registryDown = new SchemaRegistryException("no answer", 0, null);
    producer.sendException = registryDown;

    assertThatThrownBy(() -> writer.commit(List.of(OUT), SOURCE, 8)).isSameAs(registryDown);
    assertThat(producer.transactionAborted())
        .as("the transaction is not left open, which would fail every next beginTransaction")
        .isTrue();
    assertThat(LoopFailure.of(registryDown)).isEqualTo(LoopFailure.REGISTRY_UNAVAILABLE);
  }

  @Test
  void nothingToWriteBeginsNoTransaction() {
    writer.commit(List.of(), Map.of());

    assertThat(producer.transactionInFlight()).isFalse();
    assertThat(producer.transactionCommitted()).isFalse();
  }
}
