package io.wanpipeline.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Billing on a real broker, exactly-once, given records it cannot read: one on {@code task-status}
 * goes to {@code billing-dlq} in the transaction of its offset; one on the price history (a global
 * store, from which Kafka Streams cannot dead-letter) is skipped and counted. Neither stops
 * billing, and the next success is charged.
 */
class BillingUnreadableRecordsIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withoutSimulator().partitions(2).named("billing-unreadable");

  @TempDir Path stateDir;

  @Test
  void deadLettersAnUnreadableStatusAndSkipsAnUnreadablePriceVersion(PipelineEnv env) {
    Map<String, String> values = env.settings(PipelineEnv.Service.BILLING);
    values.put("billing.state-dir", stateDir.toString());
    BillingService billing =
        env.closeAfter(
            new BillingService(
                BillingConfig.from(Settings.of(values)), Clock.systemUTC(), env.topics()));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    billing.meters().add(meters);
    billing.start();
    await().atMost(WAIT).until(() -> billing.state() == KafkaStreams.State.RUNNING);

    byte[] unreadable = {0, 0, 0, 0, 42, 1, 2};
    String history = BillingTopology.priceHistory(env.topics()).name();
    env.sendBytes(env.topics().taskStatus().name(), null, "req-garbled", unreadable);
    env.sendBytes(history, null, "garbled-price", unreadable);
    Instant end = Instant.now();
    TaskStatus succeeded =
        TaskStatuses.succeeded("req-good")
            .setAccountId("acme")
            .setProviderAccount("cn-main")
            .setApiKeyRef("cn-main#0")
            .setProviderEndTime(end)
            .setEventTime(end)
            .setUsage(TaskStatuses.usage(5_000, "480P"))
            .build();
    env.send(env.topics().taskStatus(), "req-good", succeeded);

    TopicLog<Charge> charges = env.log(env.topics().billingCharges());
    TopicLog<byte[]> deadLetters = env.log(env.topics().billingDlq());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(charges.refresh().valuesOf("req-good")).hasSize(1);
              assertThat(deadLetters.refresh().raw()).hasSize(1);
            });
    ConsumerRecord<byte[], byte[]> letter = deadLetters.raw().get(0);
    assertThat(letter.value()).isEqualTo(unreadable);
    assertThat(
            new String(
                letter.headers().lastHeader(DeadLetterUnreadableRecords.TOPIC).value(),
                StandardCharsets.UTF_8))
        .isEqualTo(env.topics().taskStatus().name());
    assertThat(billing.state()).isEqualTo(KafkaStreams.State.RUNNING);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(unreadable(meters, env.topics().taskStatus().name())).isEqualTo(1);
              assertThat(unreadable(meters, history)).isEqualTo(1);
            });
  }

  private static double unreadable(SimpleMeterRegistry meters, String topic) {
    var counter = meters.find("wan.records.unreadable").tag("topic", topic).counter();
    return counter == null ? 0 : counter.count();
  }
}
