package io.wanpipeline.submitter;

import static io.wanpipeline.infra.testing.TopicLog.last;
import static io.wanpipeline.infra.testing.TopicLog.states;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.reconcile.ListQueryReconciler;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The submitter against a real broker, the local schema registry and the Wan simulator: each
 * request_id reaches the provider at most once, whatever is delivered twice or restarted.
 */
class SubmitterIT {
  private static final int PARTITIONS = 3;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(SimulatorConfig.builder().retryAfter(Duration.ofMillis(200)))
          .partitions(PARTITIONS)
          .named("sub");

  private PipelineEnv env;
  private WanSimulator sim;
  private Topics topics;
  private Topic<String, SubmissionLedgerEntry> ledgerTopic;
  private Topic<String, SubmissionLedgerEntry> dispatchTopic;
  private TopicLog<TaskStatus> status;

  /** The meters of the service started last. */
  private SimpleMeterRegistry meters;

  @BeforeEach
  void topics(PipelineEnv env) {
    this.env = env;
    sim = env.simulator();
    topics = env.topics();
    ledgerTopic = SubmissionLedger.topic(env.topicNames(), env.registry());
    dispatchTopic = SubmissionLedger.dispatchTopic(env.topicNames(), env.registry());
    status = env.status();
  }

  private SubmitterService startService(String instanceId, Map<String, String> extra) {
    return startService(instanceId, extra, InDoubtReconciler.none());
  }

  private SubmitterService startService(
      String instanceId, Map<String, String> extra, InDoubtReconciler reconciler) {
    Map<String, String> settings = env.settings(PipelineEnv.Service.SUBMITTER);
    settings.put("submitter.instance-id", instanceId);
    // Nothing ends the tasks here (no poller): caps wide enough for every test's requests.
    settings.put("provider.default.model.wan2.2-i2v-flash.max-in-progress", "100");
    settings.put("provider.default.model.wan2.2-i2v-flash.submit-rate", "50");
    settings.put("provider.default.model." + LOST_REPLY_MODEL + ".max-in-progress", "100");
    settings.put("provider.default.model." + CRASHED_MODEL + ".max-in-progress", "100");
    settings.putAll(extra);
    SubmitterConfig config = SubmitterConfig.from(Settings.of(settings));
    SubmitterService service =
        new SubmitterService(
            config,
            Clock.systemUTC(),
            topics,
            env.registry(),
            account ->
                account.dialect().equals("dashscope")
                    ? DashScopeClient.builder().baseUrl(account.baseUrl()).build()
                    : WanClients.forAccount(account, Clock.systemUTC()),
            reconciler);
    meters = new SimpleMeterRegistry();
    service.meters().add(meters);
    env.closeAfter(service);
    service.start();
    return service;
  }

  private SubmitterService startService() {
    return startService("it-0", Map.of());
  }

  private static VideoRequest request(String requestId, String prompt) {
    return VideoRequests.i2vFlash(requestId)
        .prompt(prompt)
        .requestedAt(Instant.now())
        .metadata("source", "submitter-it")
        .build();
  }

  private void produce(VideoRequest r) {
    send(null, r.getRequestId(), topics.videoRequests().valueBytes(r));
  }

  private void produce(int partition, VideoRequest r) {
    send(partition, r.getRequestId(), topics.videoRequests().valueBytes(r));
  }

  private void send(Integer partition, String key, byte[] value) {
    env.sendBytes(topics.videoRequests().name(), partition, key, value);
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

  /** Sends one request to every partition and waits until all are submitted. */
  private void drainEveryPartition(String tag) {
    for (int p = 0; p < PARTITIONS; p++) {
      produce(p, request(tag + "-marker-" + p, "marker"));
    }
    for (int p = 0; p < PARTITIONS; p++) {
      awaitState(tag + "-marker-" + p, TaskState.SUBMITTED);
    }
  }

  /** The count of counter {@code name} with {@code tags}, 0 when it was never incremented. */
  private double count(String name, String... tags) {
    return meters.find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  /** Awaits {@code name} with {@code tags} counting {@code expected}: counted after the commit. */
  private void awaitCount(double expected, String name, String... tags) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(count(name, tags)).as("%s %s", name, List.of(tags)).isEqualTo(expected));
  }

  private List<SubmissionKind> ledgerKinds(String requestId) {
    return ledgerKinds(dispatchTopic, requestId);
  }

  private List<SubmissionKind> ledgerKinds(
      Topic<String, SubmissionLedgerEntry> topic, String requestId) {
    try (TopicLog<SubmissionLedgerEntry> ledger = new TopicLog<>(env.bootstrap(), topic)) {
      List<SubmissionKind> kinds = new ArrayList<>();
      await()
          .atMost(WAIT)
          .until(
              () -> {
                kinds.clear();
                ledger.refresh().valuesOf(requestId).forEach(e -> kinds.add(e.getKind()));
                return !kinds.isEmpty() && kinds.get(kinds.size() - 1) != SubmissionKind.INTENT;
              });
      return kinds;
    }
  }

  @Test
  void submitsAValidRequestOnceAndAnnouncesItSubmitted() {
    startService();
    produce(request("req-valid", "a cat surfs"));

    TaskStatus submitted = awaitState("req-valid", TaskState.SUBMITTED);

    assertThat(submitted.getTaskId()).isNotBlank();
    assertThat(submitted.getApiKeyRef()).isEqualTo("default#0");
    assertThat(submitted.getSubmittedAt()).isNotNull();
    assertThat(submitted.getProviderAccount()).isEqualTo("default");
    assertThat(submitted.getRequestedResolution()).isEqualTo("480P");
    assertThat(submitted.getRequestedDuration()).isEqualTo(5);
    assertThat(submitted.getMetadata()).containsEntry("source", "submitter-it");
    assertThat(sim.ledger().submissionCount("req-valid")).isEqualTo(1);
    assertThat(sim.ledger().tasksOfRequest("req-valid"))
        .singleElement()
        .satisfies(t -> assertThat(t.taskId()).isEqualTo(submitted.getTaskId()));
    assertThat(ledgerKinds("req-valid"))
        .as("intent recorded before the call, outcome after it")
        .containsExactly(SubmissionKind.INTENT, SubmissionKind.SUBMITTED);
    assertThat(ledgerKinds(ledgerTopic, "req-valid"))
        .as("intake queued it once")
        .containsExactly(SubmissionKind.QUEUED);
    awaitCount(1, "wan.requests.intaken", "outcome", "queued");
    String[] lane = {"account", "default", "model", "wan2.2-i2v-flash"};
    awaitCount(
        1,
        "wan.submit.calls",
        "account",
        "default",
        "model",
        "wan2.2-i2v-flash",
        "outcome",
        "accepted");
    assertThat(count("wan.submit.calls")).as("no other create call").isEqualTo(1);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(meters.get("wan.dispatch.in.progress").tags(lane).gauge().value())
                  .as("nothing ends the task here: it stays in progress")
                  .isEqualTo(1);
              assertThat(meters.get("wan.dispatch.in.progress.max").tags(lane).gauge().value())
                  .isEqualTo(100);
              assertThat(meters.get("wan.dispatch.waiting").tags(lane).gauge().value()).isZero();
            });
  }

  @Test
  void theSameRecordDeliveredTwiceIsSubmittedOnce() {
    startService();
    VideoRequest twice = request("req-twice", "a cat surfs twice");
    produce(1, twice);
    produce(1, twice);
    drainEveryPartition("twice");

    assertThat(states(status.refresh(), "req-twice")).containsExactly(TaskState.SUBMITTED);
    assertThat(sim.ledger().submissionCount("req-twice")).isEqualTo(1);
    awaitCount(1, "wan.requests.intaken", "outcome", "duplicate");
  }

  @Test
  void aRestartedServiceReplaysNothing() {
    SubmitterService first = startService("it-first", Map.of());
    for (int i = 0; i < 4; i++) {
      produce(request("req-before-" + i, "before restart " + i));
    }
    for (int i = 0; i < 4; i++) {
      awaitState("req-before-" + i, TaskState.SUBMITTED);
    }
    first.close();

    startService("it-second", Map.of());
    for (int i = 0; i < 4; i++) {
      produce(request("req-before-" + i, "before restart " + i)); // redelivered by upstream
    }
    drainEveryPartition("restart");

    for (int i = 0; i < 4; i++) {
      assertThat(states(status.refresh(), "req-before-" + i))
          .as("req-before-" + i)
          .containsExactly(TaskState.SUBMITTED);
      assertThat(sim.ledger().submissionCount("req-before-" + i)).isEqualTo(1);
    }
  }

  @Test
  void anUnreadableRecordGoesToTheDeadLetterTopicAndTheNextRecordIsProcessed() {
    startService();
    byte[] garbage = {0, 0, 0, 0, 42, 1, 2, 3};
    send(2, "req-poison", garbage);
    produce(2, request("req-after-poison", "a cat after poison"));

    awaitState("req-after-poison", TaskState.SUBMITTED);
    try (TopicLog<byte[]> dlq = new TopicLog<>(env.bootstrap(), topics.videoRequestsDlq())) {
      await().atMost(WAIT).until(() -> !dlq.refresh().raw().isEmpty());
      ConsumerRecord<byte[], byte[]> dead = dlq.raw().get(0);
      assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("req-poison");
      assertThat(dead.value()).isEqualTo(garbage);
      assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo(topics.videoRequests().name());
      assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("2");
      assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
      assertThat(header(dead, DeadLetters.REASON)).isNotBlank();
      assertThat(header(dead, DeadLetters.EXCEPTION)).isNotBlank();
    }
    assertThat(sim.ledger().submissionCount("req-poison")).isZero();
    awaitCount(
        1,
        "wan.requests.dead.lettered",
        "reason",
        "unknown_schema"); // magic byte 0, then a schema id (42) the registry does not have
    awaitCount(1, "wan.requests.intaken", "outcome", "dead_lettered");
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  @Test
  void anInvalidRequestIsRejectedNamingTheField() {
    startService();
    VideoRequest invalid = request("req-invalid", "a cat in 1080P");
    invalid.getParameters().setResolution("1080P");
    produce(invalid);
    VideoRequest badId = request("req/with/slashes", "a cat");
    send(0, "req/with/slashes", topics.videoRequests().valueBytes(badId));

    TaskStatus rejected = awaitState("req-invalid", TaskState.REJECTED);
    assertThat(rejected.getError().getCode()).isEqualTo("INVALID_REQUEST");
    assertThat(rejected.getError().getField()).isEqualTo("parameters.resolution");
    assertThat(rejected.getError().getMessage()).contains("1080P");
    assertThat(rejected.getError().getRetryable()).isFalse();
    assertThat(rejected.getTaskId()).isNull();
    TaskStatus badIdRejected = awaitState("req/with/slashes", TaskState.REJECTED);
    assertThat(badIdRejected.getError().getCode()).isEqualTo("INVALID_REQUEST_ID");
    assertThat(badIdRejected.getError().getField()).isEqualTo("request_id");
    assertThat(sim.ledger().submissionCount("req-invalid")).isZero();
    assertThat(sim.ledger().submissionCount("req/with/slashes")).isZero();
    awaitCount(1, "wan.requests.rejected", "code", "INVALID_REQUEST");
    awaitCount(1, "wan.requests.rejected", "code", "INVALID_REQUEST_ID");
    awaitCount(2, "wan.requests.intaken", "outcome", "rejected");
    assertThat(count("wan.submit.calls")).isZero();
  }

  /**
   * Issue 12, findings 2 and 3: each of these was queued and submitted (and some billed) before the
   * intake checked ids, tiers without a size, templates, characters, metadata and kf2v frames.
   */
  @Test
  void rejectsAtTheDoorWhatWasOnceSubmittedNamingTheField() {
    startService();
    Map<String, String> expectedField = new java.util.LinkedHashMap<>();

    VideoRequest emptyAccount = request("door-empty-account", "a cat");
    emptyAccount.setAccountId("");
    produce(emptyAccount);
    expectedField.put("door-empty-account", "account_id");

    VideoRequest pipeAccount = request("door-pipe-account", "a cat");
    pipeAccount.setAccountId("acme|2026-01-01");
    produce(pipeAccount);
    expectedField.put("door-pipe-account", "account_id");

    VideoRequest t2v720 =
        VideoRequest.newBuilder(request("door-t2v-720", "a cat"))
            .setModel("wan2.2-t2v-plus")
            .setInput(VideoInput.newBuilder().setPrompt("a cat").build())
            .setParameters(VideoParameters.newBuilder().setResolution("720P").build())
            .build();
    produce(t2v720);
    expectedField.put("door-t2v-720", "parameters.resolution");

    VideoRequest template = request("door-template", "a cat");
    template.getInput().setTemplate("no-such-effect");
    produce(template);
    expectedField.put("door-template", "input.template");

    produce(request("door-nul", "a cat\u0000 sleeps"));
    expectedField.put("door-nul", "input.prompt");

    // A lone surrogate cannot be written as UTF-8 by a Java producer (Avro writes '?'), so the
    // record carries the bytes another producer would write for U+D800 (ED A0 80).
    byte[] surrogate = topics.videoRequests().valueBytes(request("door-surrogate", "a cat QQQ"));
    byte[] marker = "QQQ".getBytes(StandardCharsets.UTF_8);
    int at = indexOf(surrogate, marker);
    surrogate[at] = (byte) 0xED;
    surrogate[at + 1] = (byte) 0xA0;
    surrogate[at + 2] = (byte) 0x80;
    send(null, "door-surrogate", surrogate);
    expectedField.put("door-surrogate", "input.prompt");

    Map<String, String> metadata = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      metadata.put("k" + i, "v");
    }
    produce(
        VideoRequest.newBuilder(request("door-metadata", "a cat")).setMetadata(metadata).build());
    expectedField.put("door-metadata", "metadata");

    VideoRequest kf2v =
        VideoRequest.newBuilder(request("door-kf2v", "a cat"))
            .setModel("wan2.2-kf2v-flash")
            .setInput(
                VideoInput.newBuilder()
                    .setPrompt("a cat")
                    .setFirstFrameUrl("https://example.com/first.png")
                    .build())
            .build();
    produce(kf2v);
    expectedField.put("door-kf2v", "input.last_frame_url");

    expectedField.forEach(
        (requestId, field) -> {
          TaskStatus rejected = awaitState(requestId, TaskState.REJECTED);
          assertThat(rejected.getError().getCode()).as(requestId).isEqualTo("INVALID_REQUEST");
          assertThat(rejected.getError().getField()).as(requestId).isEqualTo(field);
        });
    assertThat(awaitState("door-metadata", TaskState.REJECTED).getMetadata())
        .as("metadata over its limits is not copied onto the REJECTED event")
        .isEmpty();
    VideoRequest badIdWithMetadata =
        VideoRequest.newBuilder(request("door/bad-id", "a cat")).setMetadata(metadata).build();
    send(0, "door/bad-id", topics.videoRequests().valueBytes(badIdWithMetadata));
    TaskStatus badId = awaitState("door/bad-id", TaskState.REJECTED);
    assertThat(badId.getError().getCode()).isEqualTo("INVALID_REQUEST_ID");
    assertThat(badId.getMetadata()).as("nor onto a REJECTED event for another reason").isEmpty();
    assertThat(awaitState("door-template", TaskState.REJECTED).getMetadata())
        .as("other rejections keep the caller's metadata")
        .containsEntry("source", "submitter-it");
    expectedField
        .keySet()
        .forEach(
            requestId ->
                assertThat(sim.ledger().submissionCount(requestId)).as(requestId).isZero());
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("marker not found");
  }

  @Test
  void anIntentWithoutAnswerEndsInDoubtAndIsNeverSubmitted() throws Exception {
    VideoRequest crashed = request("req-crashed", "submitted just before a crash");
    writeIntent(crashed, Instant.now());
    startService();
    produce(0, crashed);

    TaskStatus failed = awaitState("req-crashed", TaskState.FAILED);
    assertThat(failed.getError().getCode()).isEqualTo(OutcomeDecider.SUBMIT_IN_DOUBT);
    assertThat(failed.getError().getRetryable()).isTrue();
    assertThat(sim.ledger().submissionCount("req-crashed")).isZero();
  }

  @Test
  void aLostReplyEndsInDoubtAndIsNotResubmitted() {
    startService();
    produce(request("req-lost", "[sim:submit=lost-reply] answer lost on the way back"));

    TaskStatus failed = awaitState("req-lost", TaskState.FAILED);
    assertThat(failed.getError().getCode()).isEqualTo(OutcomeDecider.SUBMIT_IN_DOUBT);
    assertThat(sim.ledger().submissionCount("req-lost")).isEqualTo(1);
    assertThat(sim.ledger().tasksOfRequest("req-lost")).as("the task exists").hasSize(1);
    awaitCount(1, "wan.submit.calls", "outcome", "in_doubt");
    awaitCount(1, "wan.requests.failed", "code", OutcomeDecider.SUBMIT_IN_DOUBT);
  }

  @Test
  void anInDoubtEndingCarriesTheCauseOfTheUnansweredCall() {
    startService();
    produce(request("req-500", "[sim:submit=500] the provider fails the create call"));
    produce(request("req-reset", "[sim:submit=reset] the connection drops after sending"));

    TaskStatus failed500 = awaitState("req-500", TaskState.FAILED);
    TaskStatus failedReset = awaitState("req-reset", TaskState.FAILED);

    assertThat(failed500.getError().getCode()).isEqualTo(OutcomeDecider.SUBMIT_IN_DOUBT);
    assertThat(failed500.getError().getMessage())
        .as("the cause of the in-doubt ending is in the event, not only in the log")
        .contains("HTTP 500", "InternalError")
        .doesNotContain(PipelineEnv.API_KEY);
    assertThat(failedReset.getError().getCode()).isEqualTo(OutcomeDecider.SUBMIT_IN_DOUBT);
    assertThat(failedReset.getError().getMessage())
        .as("a reset names the broken connection")
        .contains("connection failed after sending")
        .doesNotContain(PipelineEnv.API_KEY);
    assertThat(sim.ledger().submissionCount("req-500")).isEqualTo(1);
    assertThat(sim.ledger().submissionCount("req-reset")).isEqualTo(1);
  }

  @Test
  void aVtrixRequestForAModelWithoutAVtrixIdIsRejectedBeforeAnyCall() {
    startService(
        "it-0",
        Map.of(
            "provider.default.dialect", "vtrix",
            "provider.default.model.wan2.2-i2v-plus.max-in-progress", "100"));
    VideoRequest unmapped = request("req-vtrix-unmapped", "a cat on a model Vtrix cannot name");
    unmapped.setModel("wan2.2-i2v-plus");
    produce(unmapped);
    produce(request("req-vtrix-mapped", "a cat on wan22_i2v_flash"));

    TaskStatus rejected = awaitState("req-vtrix-unmapped", TaskState.REJECTED);
    awaitState("req-vtrix-mapped", TaskState.SUBMITTED);

    assertThat(rejected.getError().getCode()).isEqualTo("INVALID_REQUEST");
    assertThat(rejected.getError().getField()).isEqualTo("model");
    assertThat(rejected.getError().getMessage()).contains("wan2.2-i2v-plus", "model-ids");
    assertThat(states(status.refresh(), "req-vtrix-unmapped")).containsExactly(TaskState.REJECTED);
    assertThat(sim.ledger().submissionCount("req-vtrix-unmapped"))
        .as("no create call reached the provider")
        .isZero();
    assertThat(sim.ledger().submissionCount("req-vtrix-mapped")).isEqualTo(1);
  }

  @Test
  void aLostReplyIsReconciledThroughTheListQuery() {
    startService("it-0", Map.of(), listReconciler());
    produce(
        onOwnModel(
            request("req-lost-found", "[sim:submit=lost-reply] answer lost"), LOST_REPLY_MODEL));

    TaskStatus submitted = awaitState("req-lost-found", TaskState.SUBMITTED);
    assertThat(sim.ledger().tasksOfRequest("req-lost-found")).hasSize(1);
    assertThat(submitted.getTaskId())
        .isEqualTo(sim.ledger().tasksOfRequest("req-lost-found").get(0).taskId());
    assertThat(submitted.getApiKeyRef()).isEqualTo("default#0");
    assertThat(sim.ledger().submissionCount("req-lost-found")).isEqualTo(1);
    assertThat(states(status.refresh(), "req-lost-found")).containsExactly(TaskState.SUBMITTED);
  }

  @Test
  void anIntentWithoutAnswerIsReconciledWhenTheListShowsOneUnknownTask() throws Exception {
    VideoRequest crashed =
        onOwnModel(request("req-crashed-found", "submitted before a crash"), CRASHED_MODEL);
    // The call the crashed instance made: the task exists at the provider, its answer was lost.
    DashScopeClient client = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    String taskId =
        ((io.wanpipeline.wan.SubmitOutcome.Accepted)
                client.submit(
                    new io.wanpipeline.wan.ApiKey("default#0", PipelineEnv.API_KEY),
                    io.wanpipeline.submitter.RequestMapper.toGeneration(crashed),
                    "req-crashed-found"))
            .taskId();
    writeIntent(crashed, Instant.now());
    startService("it-0", Map.of(), listReconciler());
    produce(0, crashed);

    TaskStatus submitted = awaitState("req-crashed-found", TaskState.SUBMITTED);
    assertThat(submitted.getTaskId()).isEqualTo(taskId);
    assertThat(sim.ledger().submissionCount("req-crashed-found")).isEqualTo(1);
  }

  /** Writes the INTENT a crashed dispatcher would have left for {@code request}. */
  private void writeIntent(VideoRequest request, Instant recordedAt) throws Exception {
    SubmissionLedgerEntry intent =
        SubmissionLedgerEntry.newBuilder()
            .setRequestId(request.getRequestId())
            .setKind(SubmissionKind.INTENT)
            .setFingerprint(RequestFingerprint.of(request))
            .setRecordedAt(recordedAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS))
            .setAttempts(1)
            .setApiKeyRef("default#0")
            .setProviderAccount("default")
            .setModel(request.getModel())
            .build();
    // The dispatch ledger entry sits on the partition of the request's queue record.
    int queuePartition =
        Utils.toPositive(
                Utils.murmur2(
                    SubmissionQueue.key("default", request.getModel())
                        .getBytes(StandardCharsets.UTF_8)))
            % PARTITIONS;
    env.send(dispatchTopic, queuePartition, request.getRequestId(), intent);
  }

  /**
   * The request on a model no other test of the class submits: the simulator is shared, and the
   * list reconciler must not see another test's task of the same model as an unknown candidate.
   */
  private static VideoRequest onOwnModel(VideoRequest request, String model) {
    request.setModel(model);
    return request;
  }

  private static final String LOST_REPLY_MODEL = "wanx2.1-i2v-turbo";
  private static final String CRASHED_MODEL = "wan2.5-i2v-preview";

  private InDoubtReconciler listReconciler() {
    return ListQueryReconciler.withDefaults(
        account -> DashScopeClient.builder().baseUrl(account.baseUrl()).build(), Clock.systemUTC());
  }

  @Test
  void aThrottledRequestIsRetriedUntilTheDeadlineThenFailsRetryable() {
    startService(
        "it-0",
        Map.of(
            "submitter.throttle-deadline", "3s",
            "submitter.backoff.initial", "100ms",
            "submitter.backoff.max", "400ms"));
    produce(request("req-throttled", "[sim:submit=429] always throttled"));
    produce(request("req-unthrottled", "a cat"));

    TaskStatus failed = awaitState("req-throttled", TaskState.FAILED);
    assertThat(failed.getError().getCode()).startsWith("Throttling");
    assertThat(failed.getError().getRetryable()).isTrue();
    assertThat(sim.ledger().submissionCount("req-throttled")).isGreaterThan(1);
    assertThat(sim.ledger().tasksOfRequest("req-throttled")).isEmpty();
    awaitState("req-unthrottled", TaskState.SUBMITTED);
    awaitCount(
        sim.ledger().submissionCount("req-throttled"),
        "wan.submit.calls",
        "account",
        "default",
        "outcome",
        "throttled");
    awaitCount(1, "wan.submit.calls", "outcome", "accepted");
    awaitCount(
        1,
        "wan.requests.failed",
        "code",
        SubmitterMeters.PROVIDER_REFUSED,
        "model",
        "wan2.2-i2v-flash");
  }

  @Test
  void aReusedRequestIdIsRejectedAndTheFirstTaskKept() {
    startService();
    produce(request("req-reused", "first content"));
    awaitState("req-reused", TaskState.SUBMITTED);
    produce(request("req-reused", "different content"));

    TaskStatus rejected = awaitState("req-reused", TaskState.REJECTED);
    assertThat(rejected.getError().getCode()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
    assertThat(sim.ledger().submissionCount("req-reused")).isEqualTo(1);
    assertThat(last(status, "req-reused")).isPresent();
  }
}
