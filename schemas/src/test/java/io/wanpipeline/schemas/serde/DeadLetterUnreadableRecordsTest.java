package io.wanpipeline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Response;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.Result;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

class DeadLetterUnreadableRecordsTest {
  /** A stream task's context: dead letters can be sent. */
  private static final ErrorHandlerContext TASK = new Context(new TaskId(0, 2));

  /** The global thread's context (Kafka Streams numbers its task -1_-1). */
  private static final ErrorHandlerContext GLOBAL = new Context(new TaskId(-1, -1));

  private static final String DLQ = "billing-dlq";

  private final List<String> deadLettered = new ArrayList<>();
  private final DeserializationExceptionHandler handler = configured(deadLettered::add);
  private final ConsumerRecord<byte[], byte[]> record =
      record(new byte[] {1}, new byte[] {0, 0, 0, 0, 9});

  @Test
  void aPoisonRecordGoesToTheDeadLetterTopicWithKafkaStreamsErrorHeaders() {
    Response response =
        handler.handleError(TASK, record, new SerializationException("unknown magic byte 7"));

    assertThat(response.result()).isEqualTo(Result.RESUME);
    ProducerRecord<byte[], byte[]> letter = only(response);
    assertThat(letter.topic()).isEqualTo(DLQ);
    assertThat(letter.key()).isEqualTo(record.key());
    assertThat(letter.value()).isEqualTo(record.value());
    assertThat(letter.timestamp()).isEqualTo(record.timestamp());
    assertThat(header(letter, "trace-id")).as("the original headers kept").contains("abc");
    assertThat(header(letter, DeadLetterUnreadableRecords.EXCEPTION))
        .contains(SerializationException.class.getName());
    assertThat(header(letter, DeadLetterUnreadableRecords.MESSAGE))
        .contains("unknown magic byte 7");
    assertThat(header(letter, DeadLetterUnreadableRecords.STACKTRACE))
        .hasValueSatisfying(t -> assertThat(t).contains("unknown magic byte 7", "at "));
    assertThat(header(letter, DeadLetterUnreadableRecords.TOPIC)).contains("task-status");
    assertThat(header(letter, DeadLetterUnreadableRecords.PARTITION)).contains("2");
    assertThat(header(letter, DeadLetterUnreadableRecords.OFFSET)).contains("42");
    assertThat(header(letter, DeadLetterUnreadableRecords.VALUE_DROPPED)).isEmpty();
    assertThat(deadLettered).containsExactly("task-status");
  }

  @Test
  void aSchemaTheRegistryDoesNotHaveIsDeadLettered() {
    Response response =
        handler.handleError(
            TASK,
            record,
            new SchemaRegistryException("schema registry GET /schemas/ids/9: 404", 40403, null));

    assertThat(response.result()).as("the registry answered").isEqualTo(Result.RESUME);
    assertThat(only(response).value()).isEqualTo(record.value());
  }

  @Test
  void aRecordTooLargeToDeadLetterWholeKeepsOnlyTheErrorHeadersAndItsSize() {
    byte[] value = new byte[DeadLetterUnreadableRecords.MAX_DEAD_LETTER_BYTES];
    ConsumerRecord<byte[], byte[]> large = record(new byte[] {7, 7}, value);

    ProducerRecord<byte[], byte[]> letter =
        only(handler.handleError(TASK, large, new SerializationException("too deep")));

    assertThat(letter.key()).isNull();
    assertThat(letter.value()).isNull();
    long size = 2 + value.length + "trace-id".length() + 3;
    assertThat(header(letter, DeadLetterUnreadableRecords.VALUE_DROPPED))
        .contains(String.valueOf(size));
    assertThat(header(letter, "trace-id")).as("the original headers left out").isEmpty();
    assertThat(header(letter, DeadLetterUnreadableRecords.OFFSET)).contains("42");
  }

  @Test
  void aRecordJustWithinTheLimitIsKeptWhole() {
    int room = DeadLetterUnreadableRecords.MAX_DEAD_LETTER_BYTES - 2 - "trace-id".length() - 3;
    ConsumerRecord<byte[], byte[]> fits = record(new byte[] {7, 7}, new byte[room]);

    ProducerRecord<byte[], byte[]> letter =
        only(handler.handleError(TASK, fits, new SerializationException("bad")));

    assertThat(letter.value()).hasSize(room);
  }

  @Test
  void aRegistryThatDidNotAnswerFailsTheThreadSoTheRecordIsReadAgainWithoutADeadLetter() {
    SchemaRegistryException unreachable =
        new SchemaRegistryException(
            "schema registry GET /schemas/ids/9 failed: ConnectException",
            0,
            new IOException("refused"));
    List<Exception> failures = new ArrayList<>();
    failures.add(unreachable);
    failures.add(new SerializationException("cannot read TaskStatus", unreachable));
    for (int code : new int[] {408, 429, 500, 503}) {
      failures.add(new SchemaRegistryException("answered " + code, code, null));
    }
    for (Exception failure : failures) {
      Response response = handler.handleError(TASK, record, failure);
      assertThat(response.result()).as(failure.getMessage()).isEqualTo(Result.FAIL);
      assertThat(response.deadLetterQueueRecords()).as(failure.getMessage()).isEmpty();
    }
    assertThat(deadLettered).isEmpty();
  }

  @Test
  void aRecordOfAGlobalStoreIsSkippedAndCountedSinceStreamsCannotDeadLetterThere() {
    Response response =
        handler.handleError(GLOBAL, record, new SerializationException("unknown magic byte 7"));

    assertThat(response.result()).isEqualTo(Result.RESUME);
    assertThat(response.deadLetterQueueRecords()).isEmpty();
    assertThat(deadLettered).containsExactly("task-status");
  }

  @Test
  void refusesToRunWithoutADeadLetterTopic() {
    DeadLetterUnreadableRecords unconfigured = new DeadLetterUnreadableRecords();
    assertThatThrownBy(() -> unconfigured.configure(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
  }

  @Test
  void refusesAListenerOfTheWrongType() {
    DeadLetterUnreadableRecords unconfigured = new DeadLetterUnreadableRecords();
    assertThatThrownBy(
            () ->
                unconfigured.configure(
                    Map.of(
                        StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG,
                        DLQ,
                        DeadLetterUnreadableRecords.LISTENER_CONFIG,
                        "a class name")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(DeadLetterUnreadableRecords.LISTENER_CONFIG);
  }

  /** The handler as Kafka Streams makes it: from the properties, configured with its originals. */
  private static DeserializationExceptionHandler configured(
      DeadLetterUnreadableRecords.Listener listener) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dead-letter-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
    DeadLetterUnreadableRecords.configure(props, DLQ, listener);
    return new StreamsConfig(props)
        .getConfiguredInstance(
            StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
            DeserializationExceptionHandler.class);
  }

  private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(new RecordHeader("trace-id", "abc".getBytes(StandardCharsets.UTF_8)));
    return new ConsumerRecord<>(
        "task-status",
        2,
        42L,
        1_700_000_000_000L,
        TimestampType.CREATE_TIME,
        key.length,
        value.length,
        key,
        value,
        headers,
        Optional.empty());
  }

  /** What Kafka Streams tells the handler; the handler reads only the task id. */
  private record Context(TaskId taskId) implements ErrorHandlerContext {
    @Override
    public String topic() {
      return "task-status";
    }

    @Override
    public int partition() {
      return 2;
    }

    @Override
    public long offset() {
      return 42;
    }

    @Override
    public Headers headers() {
      return new RecordHeaders();
    }

    @Override
    public String processorNodeId() {
      return "source";
    }

    @Override
    public long timestamp() {
      return 1_700_000_000_000L;
    }

    @Override
    public byte[] sourceRawKey() {
      return null;
    }

    @Override
    public byte[] sourceRawValue() {
      return null;
    }
  }

  private static ProducerRecord<byte[], byte[]> only(Response response) {
    assertThat(response.deadLetterQueueRecords()).hasSize(1);
    return response.deadLetterQueueRecords().get(0);
  }

  private static Optional<String> header(ProducerRecord<byte[], byte[]> record, String key) {
    Header h = record.headers().lastHeader(key);
    return h == null || h.value() == null
        ? Optional.empty()
        : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
  }
}
