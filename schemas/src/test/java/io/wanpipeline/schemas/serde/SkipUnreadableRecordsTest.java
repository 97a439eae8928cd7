package io.wanpipeline.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.junit.jupiter.api.Test;

class SkipUnreadableRecordsTest {
  /** The handler reads nothing from the context. */
  private static final ErrorHandlerContext NO_CONTEXT = null;

  private final SkipUnreadableRecords handler = new SkipUnreadableRecords();
  private final ConsumerRecord<byte[], byte[]> record =
      new ConsumerRecord<>("task-status", 0, 42L, new byte[] {1}, new byte[] {0, 0, 0, 0, 9});

  @Test
  void aPoisonRecordIsSkipped() {
    assertThat(
            handler.handle(NO_CONTEXT, record, new SerializationException("unknown magic byte 7")))
        .isEqualTo(DeserializationHandlerResponse.CONTINUE);
    assertThat(
            handler.handle(
                NO_CONTEXT,
                record,
                new SchemaRegistryException(
                    "schema registry GET /schemas/ids/9: 404", 40403, null)))
        .as("the registry answered: that schema id does not exist")
        .isEqualTo(DeserializationHandlerResponse.CONTINUE);
  }

  @Test
  void theListenerHearsOfSkippedRecordsOnlyAndAWrongOneIsRefused() {
    List<String> skipped = new ArrayList<>();
    handler.configure(
        Map.of(
            SkipUnreadableRecords.LISTENER_CONFIG, (SkipUnreadableRecords.Listener) skipped::add));

    handler.handle(NO_CONTEXT, record, new SerializationException("unknown magic byte 7"));
    handler.handle(NO_CONTEXT, record, new SchemaRegistryException("answered 503", 503, null));

    assertThat(skipped)
        .as("the skipped record's topic, not the one read again")
        .containsExactly("task-status");
    assertThatThrownBy(
            () -> handler.configure(Map.of(SkipUnreadableRecords.LISTENER_CONFIG, "a class name")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(SkipUnreadableRecords.LISTENER_CONFIG);
  }

  @Test
  void aRegistryThatDidNotAnswerFailsTheThreadSoTheRecordIsReadAgain() {
    SchemaRegistryException unreachable =
        new SchemaRegistryException(
            "schema registry GET /schemas/ids/9 failed: ConnectException",
            0,
            new IOException("refused"));
    assertThat(handler.handle(NO_CONTEXT, record, unreachable))
        .isEqualTo(DeserializationHandlerResponse.FAIL);
    assertThat(
            handler.handle(
                NO_CONTEXT,
                record,
                new SerializationException("cannot read TaskStatus", unreachable)))
        .as("wrapped by the serde")
        .isEqualTo(DeserializationHandlerResponse.FAIL);
    for (int code : new int[] {408, 429, 500, 503}) {
      assertThat(
              handler.handle(
                  NO_CONTEXT, record, new SchemaRegistryException("answered " + code, code, null)))
          .as("HTTP %d", code)
          .isEqualTo(DeserializationHandlerResponse.FAIL);
    }
  }
}
