package io.wanpipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.ArchiveLocation;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.events.internal.Transition;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import io.wanpipeline.schemas.registry.InMemorySchemaRegistry;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.status.view.IndexKeys;
import io.wanpipeline.status.view.Lifecycles;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatusTopologyTest {
  private static final Instant T0 = TaskStatuses.T0;

  private final Topics topics =
      new Topics(TopicNames.withPrefix("t-"), new InMemorySchemaRegistry());
  private TopologyTestDriver driver;
  private TestInputTopic<String, TaskStatus> statuses;
  private KeyValueStore<String, RequestLifecycle> requests;
  private KeyValueStore<String, String> index;

  @BeforeEach
  void start() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "status-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(StatusTopology.build(topics), props);
    statuses =
        driver.createInputTopic(
            topics.taskStatus().name(),
            topics.taskStatus().keySerde().serializer(),
            topics.taskStatus().valueSerde().serializer());
    requests = driver.getKeyValueStore(StatusTopology.REQUESTS_STORE);
    index = driver.getKeyValueStore(StatusTopology.INDEX_STORE);
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void foldsEachRequestsEventsIntoItsLifecycleAndKeepsItInFlightUntilItEnds() {
    send(event("r1", TaskState.SUBMITTED, 0));
    send(event("r1", TaskState.PENDING, 5));
    send(event("r1", TaskState.RUNNING, 10));

    assertThat(states("r1"))
        .containsExactly(TaskState.SUBMITTED, TaskState.PENDING, TaskState.RUNNING);
    assertThat(index.get(IndexKeys.IN_FLIGHT + "r1")).isEqualTo("acme");
    assertThat(index.get(IndexKeys.account("acme") + "r1")).isEqualTo("RUNNING");

    send(event("r1", TaskState.SUCCEEDED, 40));
    assertThat(index.get(IndexKeys.IN_FLIGHT + "r1"))
        .as("succeeded, not yet archived: still in flight")
        .isEqualTo("acme");
    send(
        event("r1", TaskState.ARCHIVED, 45)
            .setArchive(
                ArchiveLocation.newBuilder()
                    .setBucket("b")
                    .setKey("k")
                    .setUri("s3://b/k")
                    .setSizeBytes(10)
                    .setSha256("00")
                    .setContentType("video/mp4")
                    .build()));

    RequestLifecycle done = requests.get("r1");
    assertThat(done.getLatest().getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(done.getLatest().getArchive().getUri()).isEqualTo("s3://b/k");
    assertThat(done.getTransitions()).hasSize(5);
    assertThat(done.getTransitions().get(4).getEventTime()).isEqualTo(T0.plusSeconds(45));
    assertThat(index.get(IndexKeys.IN_FLIGHT + "r1")).as("ended: out of flight").isNull();
    assertThat(index.get(IndexKeys.account("acme") + "r1")).isEqualTo("ARCHIVED");
  }

  @Test
  void aTimedOutRequestThatSucceedsLateComesBackInFlightUntilArchived() {
    send(event("r1", TaskState.SUBMITTED, 0));
    send(event("r1", TaskState.TIMED_OUT, 1200).setError(error("TIMEOUT")));
    assertThat(index.get(IndexKeys.IN_FLIGHT + "r1")).isNull();

    send(event("r1", TaskState.LATE_SUCCEEDED, 1300));

    assertThat(index.get(IndexKeys.IN_FLIGHT + "r1")).isEqualTo("acme");
    assertThat(requests.get("r1").getTransitions())
        .extracting(Transition::getCode)
        .containsExactly(null, "TIMEOUT", null);
  }

  @Test
  void indexesABatchByItsBatchIdAndIgnoresOneThatIsNotAnId() {
    send(event("b-1", TaskState.SUBMITTED, 0).setMetadata(Map.of("batch_id", "nightly-7")));
    send(event("b-2", TaskState.REJECTED, 0).setMetadata(Map.of("batch_id", "nightly-7")));
    send(event("odd", TaskState.SUBMITTED, 0).setMetadata(Map.of("batch_id", "a|b")));

    assertThat(keys(IndexKeys.batch("nightly-7")))
        .containsExactly(
            KeyValue.pair(IndexKeys.batch("nightly-7") + "b-1", "SUBMITTED"),
            KeyValue.pair(IndexKeys.batch("nightly-7") + "b-2", "REJECTED"));
    assertThat(keys("batch|a")).as("a batch id with | is not indexed").isEmpty();
    assertThat(Lifecycles.batch(requests.get("odd").getLatest())).isEmpty();
  }

  @Test
  void keepsTheFirstAndTheLatestTransitionsOfARequestThatNeverStops() {
    int events = Lifecycles.MAX_TRANSITIONS + 10;
    for (int i = 0; i < events; i++) {
      send(event("r1", i == 0 ? TaskState.SUBMITTED : TaskState.RUNNING, i));
    }

    RequestLifecycle lifecycle = requests.get("r1");
    assertThat(lifecycle.getTransitions()).hasSize(Lifecycles.MAX_TRANSITIONS);
    assertThat(lifecycle.getDroppedTransitions()).isEqualTo(10);
    assertThat(lifecycle.getTransitions().get(0).getState()).isEqualTo(TaskState.SUBMITTED);
    assertThat(lifecycle.getTransitions().get(Lifecycles.MAX_TRANSITIONS - 1).getEventTime())
        .isEqualTo(T0.plusSeconds(events - 1));
  }

  @Test
  void keepsEachRequestsChargeFromBillingCharges() {
    send(event("r1", TaskState.SUCCEEDED, 0));
    TestInputTopic<String, Charge> charges =
        driver.createInputTopic(
            topics.billingCharges().name(),
            topics.billingCharges().keySerde().serializer(),
            topics.billingCharges().valueSerde().serializer());
    Charge charge =
        Charge.newBuilder()
            .setRequestId("r1")
            .setAccountId("acme")
            .setProviderAccount("default")
            .setModel(TaskStatuses.MODEL)
            .setTaskId("task-r1")
            .setTier("480P")
            .setAudio(false)
            .setBillableMillis(5_000)
            .setUnitPriceMicros(100_000)
            .setAmountMicros(500_000)
            .setCurrency("CNY")
            .setPriceEffectiveFrom(Instant.EPOCH)
            .setCompletedAt(T0)
            .setDay("2026-03-01")
            .build();
    charges.pipeInput("r1", charge);

    KeyValueStore<String, Charge> store = driver.getKeyValueStore(StatusTopology.CHARGES_STORE);
    assertThat(store.get("r1")).isEqualTo(charge);
  }

  @Test
  void indexesTheLatestFailuresAndTheRecentlyUpdatedNewestFirst() {
    send(event("old-fail", TaskState.SUBMITTED, 0));
    send(event("old-fail", TaskState.FAILED, 10).setError(error("InternalError")));
    send(event("late", TaskState.SUBMITTED, 20));
    send(event("late", TaskState.TIMED_OUT, 30).setError(error("TIMEOUT")));
    send(event("new-fail", TaskState.REJECTED, 40).setError(error("INVALID_REQUEST")));
    send(event("fine", TaskState.SUBMITTED, 50));

    assertThat(keys(IndexKeys.FAILED))
        .extracting(kv -> IndexKeys.requestId(kv.key))
        .containsExactly("new-fail", "late", "old-fail");

    // A request that ends well after a failure leaves the failures; each request is once recent.
    send(event("late", TaskState.LATE_SUCCEEDED, 60));
    assertThat(keys(IndexKeys.FAILED))
        .extracting(kv -> IndexKeys.requestId(kv.key))
        .containsExactly("new-fail", "old-fail");
    assertThat(keys(IndexKeys.RECENT))
        .extracting(kv -> IndexKeys.requestId(kv.key))
        .containsExactly("late", "fine", "new-fail", "old-fail");
  }

  @Test
  void keepsBillingsTotalsByDayFirst() {
    TestInputTopic<String, AccountTotal> totals =
        driver.createInputTopic(
            topics.billingTotals().name(),
            topics.billingTotals().keySerde().serializer(),
            topics.billingTotals().valueSerde().serializer());
    AccountTotal first = total("2026-03-01", 500_000);
    AccountTotal second = total("2026-03-01", 1_500_000);
    totals.pipeInput("acme|2026-03-01|CNY", first);
    totals.pipeInput("acme|2026-03-01|CNY", second);
    totals.pipeInput("acme|2026-03-02|CNY", total("2026-03-02", 7));

    KeyValueStore<String, AccountTotal> store =
        driver.getKeyValueStore(StatusTopology.TOTALS_STORE);
    assertThat(store.get("2026-03-01|acme|CNY")).as("the latest total").isEqualTo(second);
    assertThat(store.get("2026-03-02|acme|CNY").getAmountMicros()).isEqualTo(7);
  }

  private static AccountTotal total(String day, long micros) {
    return AccountTotal.newBuilder()
        .setAccountId("acme")
        .setDay(day)
        .setCurrency("CNY")
        .setAmountMicros(micros)
        .setBillableMillis(5_000)
        .setTaskCount(1)
        .setModels(Map.of())
        .setUpdatedAt(T0)
        .build();
  }

  private void send(TaskStatus.Builder event) {
    TaskStatus status = event.build();
    statuses.pipeInput(status.getRequestId(), status);
  }

  private static TaskStatus.Builder event(String requestId, TaskState state, long second) {
    return TaskStatuses.of(requestId, state)
        .setAccountId("acme")
        .setEventTime(T0.plusSeconds(second));
  }

  private static ErrorInfo error(String code) {
    return ErrorInfo.newBuilder()
        .setCode(code)
        .setMessage(code)
        .setRetryable(false)
        .setStage(ErrorStage.POLL)
        .build();
  }

  private List<TaskState> states(String requestId) {
    return requests.get(requestId).getTransitions().stream().map(Transition::getState).toList();
  }

  private List<KeyValue<String, String>> keys(String prefix) {
    List<KeyValue<String, String>> out = new ArrayList<>();
    try (KeyValueIterator<String, String> it =
        index.prefixScan(prefix, new org.apache.kafka.common.serialization.StringSerializer())) {
      it.forEachRemaining(out::add);
    }
    return out;
  }
}
