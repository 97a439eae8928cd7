package io.wanpipeline.submitter;

import static io.wanpipeline.infra.testing.TopicLog.states;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, finding 1: a record whose derived records are too large to write must end (REJECTED
 * and/or dead-lettered with the cause) and never stop the intake; every later request still gets
 * its status and the committed offsets reach the end of {@code video-requests}.
 */
class SubmitterOversizedIT {
  private static final int PARTITIONS = 3;
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** The producers' default {@code max.request.size}. */
  private static final int PRODUCER_LIMIT = 1_048_576;

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(SimulatorConfig.builder())
          .partitions(PARTITIONS)
          .named("oversized");

  private PipelineEnv env;
  private Topics topics;
  private TopicLog<TaskStatus> status;
  private String group;

  @BeforeEach
  void topics(PipelineEnv env) {
    this.env = env;
    topics = env.topics();
    status = env.status();
    group = env.groupId(PipelineEnv.Service.SUBMITTER);
  }

  private void startService(Map<String, String> extra) {
    Map<String, String> settings = env.settings(PipelineEnv.Service.SUBMITTER);
    settings.put("submitter.instance-id", "it-0");
    settings.put("provider.default.model.wan2.2-i2v-flash.max-in-progress", "100");
    settings.put("provider.default.model.wan2.2-i2v-flash.submit-rate", "50");
    settings.putAll(extra);
    SubmitterService service =
        new SubmitterService(
            SubmitterConfig.from(Settings.of(settings)),
            Clock.systemUTC(),
            topics,
            env.registry(),
            account -> DashScopeClient.builder().baseUrl(account.baseUrl()).build(),
            InDoubtReconciler.none());
    env.closeAfter(service);
    service.start();
  }

  private static VideoRequest request(String requestId, String imgUrl) {
    return VideoRequests.i2vFlash(requestId)
        .prompt("a cat surfs")
        .imgUrl(imgUrl)
        .requestedAt(Instant.now())
        .metadata("source", "oversized-it")
        .build();
  }

  private static VideoRequest ordinary(String requestId) {
    return request(requestId, "https://example.com/cat.png");
  }

  /** A valid request carrying its image inline as a data: URI of {@code base64Chars} characters. */
  private static VideoRequest inlineImage(String requestId, int base64Chars) {
    return request(requestId, "data:image/png;base64," + "A".repeat(base64Chars));
  }

  /**
   * The largest valid request with an inline image that a producer with the default {@code
   * max.request.size} still accepts (within a few bytes): just under the broker's message limit.
   */
  private VideoRequest justUnderTheProducerLimit(String requestId) {
    byte[] key = requestId.getBytes(StandardCharsets.UTF_8);
    int chars = PRODUCER_LIMIT - 1024;
    VideoRequest r = inlineImage(requestId, chars);
    int estimate = estimate(key, topics.videoRequests().valueBytes(r));
    r = inlineImage(requestId, chars + (PRODUCER_LIMIT - 8 - estimate));
    assertThat(estimate(key, topics.videoRequests().valueBytes(r)))
        .as("the producer's size estimate of the request")
        .isBetween(PRODUCER_LIMIT - 16, PRODUCER_LIMIT);
    return r;
  }

  private static int estimate(byte[] key, byte[] value) {
    return AbstractRecords.estimateSizeInBytesUpperBound(
        RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE, key, value, new Header[0]);
  }

  private void send(int partition, String key, byte[] value) {
    env.sendBytes(topics.videoRequests().name(), partition, key, value);
  }

  private void produce(int partition, VideoRequest r) {
    send(partition, r.getRequestId(), topics.videoRequests().valueBytes(r));
  }

  /** Ordinary requests after the poison one, on its partition and on every other. */
  private List<String> produceOrdinaryOnEveryPartition(String tag) {
    List<String> ids = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int i = 0; i < 2; i++) {
        String id = tag + "-after-" + p + "-" + i;
        produce(p, ordinary(id));
        ids.add(id);
      }
    }
    return ids;
  }

  private TaskStatus awaitState(String requestId, TaskState state) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(states(status.refresh(), requestId)).as(requestId).contains(state));
    return status.valuesOf(requestId).stream()
        .filter(s -> s.getState() == state)
        .findFirst()
        .orElseThrow();
  }

  private void awaitEverySubmitted(List<String> ids) {
    for (String id : ids) {
      awaitState(id, TaskState.SUBMITTED);
    }
  }

  /** Waits until the intake's committed offsets reach the end of every partition. */
  private void awaitOffsetsAtTheEnd() {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrap()))) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(new TopicPartition(topics.videoRequests().name(), p));
      }
      Map<TopicPartition, Long> ends =
          admin
              .listOffsets(
                  partitions.stream()
                      .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
              .all()
              .get()
              .entrySet()
              .stream()
              .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, Long> at = new HashMap<>();
                partitions.forEach(
                    tp -> at.put(tp, committed.get(tp) == null ? -1L : committed.get(tp).offset()));
                assertThat(at).as("committed offsets of the intake").isEqualTo(ends);
              });
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(int count) {
    try (TopicLog<byte[]> dlq = new TopicLog<>(env.bootstrap(), topics.videoRequestsDlq())) {
      await().atMost(WAIT).until(() -> dlq.refresh().raw().size() >= count);
      return dlq.raw();
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aValidRequestJustUnderTheBrokerLimitIsRejectedAndTheIntakeMovesOn() {
    VideoRequest big = justUnderTheProducerLimit("req-big");
    startService(Map.of());
    produce(0, big);
    List<String> later = produceOrdinaryOnEveryPartition("big");

    TaskStatus rejected = awaitState("req-big", TaskState.REJECTED);
    assertThat(rejected.getError().getCode()).isEqualTo("REQUEST_TOO_LARGE");
    assertThat(rejected.getError().getField()).isEqualTo("input.img_url");
    assertThat(rejected.getError().getMessage())
        .contains("over the limit of 524,288 bytes")
        .doesNotContain("AAAA");
    assertThat(rejected.getError().getRetryable()).isFalse();
    assertThat(rejected.getMetadata()).containsEntry("source", "oversized-it");
    awaitEverySubmitted(later);
    awaitOffsetsAtTheEnd();
    assertThat(states(status.refresh(), "req-big")).containsExactly(TaskState.REJECTED);
    assertThat(env.simulator().ledger().submissionCount("req-big")).isZero();
  }

  @Test
  void anUnreadableRecordTooLargeForTheDeadLetterTopicIsDeadLetteredWithoutItsValue() {
    byte[] garbage = new byte[PRODUCER_LIMIT - 200];
    Arrays.fill(garbage, (byte) 7);
    startService(Map.of());
    send(1, "req-big-garbage", garbage);
    List<String> later = produceOrdinaryOnEveryPartition("garbage");

    ConsumerRecord<byte[], byte[]> dead = awaitDeadLetters(1).get(0);
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("req-big-garbage");
    assertThat(dead.value()).as("too large to copy; the original stays at its offset").isNull();
    assertThat(header(dead, DeadLetters.VALUE_DROPPED)).isEqualTo(String.valueOf(garbage.length));
    assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("1");
    assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
    assertThat(header(dead, DeadLetters.REASON))
        .contains(topics.videoRequestsDlq().name())
        .contains("RecordTooLargeException");
    assertThat(header(dead, DeadLetters.EXCEPTION))
        .isEqualTo("org.apache.kafka.common.errors.RecordTooLargeException");
    awaitEverySubmitted(later);
    awaitOffsetsAtTheEnd();
  }

  @Test
  void aRequestWhoseQueuedCopyCannotBeWrittenEndsRejectedAndGoesToTheDeadLetterTopic() {
    // Producers limited to 64 KiB: a valid 100 KB request is within the request size limit, but
    // its queued copy is not writable. The loop must route it, not retry it forever.
    startService(Map.of("kafka.max.request.size", "65536"));
    produce(2, inlineImage("req-unwritable", 100_000));
    List<String> later = produceOrdinaryOnEveryPartition("unwritable");

    TaskStatus rejected = awaitState("req-unwritable", TaskState.REJECTED);
    assertThat(rejected.getError().getCode()).isEqualTo("REQUEST_UNWRITABLE");
    assertThat(rejected.getError().getMessage())
        .contains("RecordTooLargeException")
        .contains("submission-queue")
        .doesNotContain("AAAA");
    ConsumerRecord<byte[], byte[]> dead = awaitDeadLetters(1).get(0);
    assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("req-unwritable");
    assertThat(header(dead, DeadLetters.REASON))
        .contains("submission-queue")
        .contains("RecordTooLargeException");
    assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("2");
    awaitEverySubmitted(later);
    awaitOffsetsAtTheEnd();
    assertThat(env.simulator().ledger().submissionCount("req-unwritable")).isZero();
  }
}
