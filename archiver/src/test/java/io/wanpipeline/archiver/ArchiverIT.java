package io.wanpipeline.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.events.ArchiveLocation;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.Faults;
import io.wanpipeline.infra.simulator.NativeStatus;
import io.wanpipeline.infra.simulator.Route;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.StatusTopic;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The archiver against a real broker, registry, S3-compatible server and the Wan simulator: the
 * provider's signed links, their expiry and the bytes they serve are the simulator's.
 */
class ArchiverIT {
  private static final String ACCOUNT = "default";
  private static final ApiKey KEY = new ApiKey(ACCOUNT + "#0", PipelineEnv.API_KEY);
  private static final int PARTITIONS = 3;
  private static final int VIDEO_BYTES = 20 * 1024 * 1024;
  private static final Duration LINK_LIFETIME = Duration.ofMinutes(10);
  private static final Duration TASK_RETENTION = Duration.ofHours(1);
  private static final AdjustableClock simClock =
      new AdjustableClock(Instant.parse("2026-03-01T10:00:00Z"));

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(
              SimulatorConfig.builder()
                  .clock(simClock)
                  .apiKey(KEY.secret(), "acct-sim")
                  .pendingTime(Duration.ofSeconds(1))
                  .runningTime(Duration.ofSeconds(2))
                  .linkLifetime(LINK_LIFETIME)
                  .taskRetention(TASK_RETENTION))
          .withS3()
          .partitions(PARTITIONS)
          .named("archiver");

  private PipelineEnv env;
  private KafkaBroker.Info kafka;
  private WanSimulator sim;
  private DashScopeClient provider;
  private Topics topics;
  private String bucket;
  private S3Client s3;
  private final List<ArchiverService> services = new ArrayList<>();
  private final List<S3AsyncClient> asyncClients = new ArrayList<>();
  private final Map<String, String> extraSettings = new HashMap<>();
  private final Map<ArchiverService, SimpleMeterRegistry> meters = new HashMap<>();

  @BeforeEach
  void setUp(PipelineEnv env) {
    this.env = env;
    kafka = env.kafka();
    sim = env.simulator();
    provider = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    topics = env.topics();
    bucket = env.bucket();
    s3 = env.closeAfter(env.s3().newClient());
  }

  @AfterEach
  void tearDown() {
    services.forEach(ArchiverService::close);
    asyncClients.forEach(S3AsyncClient::close);
    sim.setFaults(Route.DOWNLOAD, Faults.NONE);
  }

  @Test
  void archivesTheBytesTheProviderServedWithoutSendingItCredentials() throws Exception {
    TaskSnapshot task = succeededTask("[sim:video-bytes=" + VIDEO_BYTES + "] a cat");
    ArchiverService service = start(kafka.uniqueName("archiver"));

    TaskStatus succeeded = succeededEvent("req-ok", task);
    send(succeeded);
    TaskStatus archived = awaitTerminal("req-ok");

    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    ArchiveLocation location = archived.getArchive();
    String expectedKey = "videos/acme/2026/03/01/req-ok.mp4";
    assertThat(location.getBucket()).isEqualTo(bucket);
    assertThat(location.getKey()).isEqualTo(expectedKey);
    assertThat(location.getUri()).isEqualTo("s3://" + bucket + "/" + expectedKey);
    assertThat(location.getContentType()).isEqualTo("video/mp4");
    String servedSha = sim.videoSha256(task.taskId()).orElseThrow();
    assertThat(location.getSha256()).isEqualTo(servedSha);
    assertThat(location.getSizeBytes()).isEqualTo(VIDEO_BYTES);
    assertThat(sha256Of(expectedKey)).as("the object's bytes").isEqualTo(servedSha);
    HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(expectedKey));
    assertThat(head.contentType()).isEqualTo("video/mp4");
    assertThat(head.metadata())
        .containsEntry("request-id", "req-ok")
        .containsEntry("task-id", task.taskId());
    assertThat(
            s3.getObjectAsBytes(b -> b.bucket(bucket).key(expectedKey + ".sha256")).asUtf8String())
        .as("the checksum object, in sha256sum format")
        .isEqualTo(servedSha + "  req-ok.mp4\n");
    assertThat(archived.getUsage()).isEqualTo(succeeded.getUsage());
    assertThat(archived.getResultUrl()).doesNotContain("?").doesNotContain("Signature");
    assertThat(archived.getRequestId()).isEqualTo("req-ok");
    assertThat(archived.getTaskId()).isEqualTo(task.taskId());

    List<SimulatorLedger.Download> downloads = sim.ledger().downloads(task.taskId());
    assertThat(downloads)
        .as("one download, served, never refused for an Authorization header")
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.httpStatus()).isEqualTo(200);
              assertThat(d.refusal()).isNull();
              assertThat(d.sha256()).isEqualTo(servedSha);
            });
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
    SimpleMeterRegistry registry = meters.get(service);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(registry.get("wan.archive.archived").functionCounter().count())
                    .as("ARCHIVED committed")
                    .isEqualTo(1));
    assertThat(registry.get("wan.archive.uploaded").counter().count())
        .as("bytes uploaded: the video's")
        .isEqualTo(VIDEO_BYTES);
    assertThat(registry.get("wan.archive.failed").counters())
        .as("one series per failure code, none counted")
        .hasSizeGreaterThan(1)
        .extracting(Counter::count)
        .containsOnly(0.0);
    Timer took = registry.get("wan.archive.duration").tag("outcome", "archived").timer();
    assertThat(took.count()).isEqualTo(1);
    assertThat(took.totalTime(TimeUnit.MILLISECONDS)).isPositive();
    assertThat(registry.find("wan.archive.retries").counters()).as("no retry").isEmpty();
    assertThat(registry.get("wan.archive.expiry.at.risk").gauge().value()).isZero();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(registry.get("wan.archive.backlog").gauges())
                    .as("nothing queued or in flight once committed")
                    .hasSize(2)
                    .allSatisfy(g -> assertThat(g.value()).isZero()));
  }

  @Test
  void refreshesAnExpiredLinkByQueryingTheTaskAgain() {
    TaskSnapshot task = succeededTask("a dog");
    sim.setFaults(Route.DOWNLOAD, Faults.NONE.withUnavailableRate(1));
    start(kafka.uniqueName("archiver"));
    int queriesBefore = sim.ledger().polls(task.taskId()).size();

    send(succeededEvent("req-expiring", task));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !sim.ledger().downloads(task.taskId()).isEmpty());
    // While the archiver backs off, the link it holds expires.
    simClock.advance(LINK_LIFETIME.plusMinutes(1));
    sim.setFaults(Route.DOWNLOAD, Faults.NONE);
    TaskStatus archived = awaitTerminal("req-expiring");

    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(archived.getArchive().getSha256())
        .isEqualTo(sim.videoSha256(task.taskId()).orElseThrow());
    assertThat(sim.ledger().downloads(task.taskId()))
        .extracting(SimulatorLedger.Download::httpStatus)
        .as("unavailable, then expired, then served with the fresh link")
        .containsExactly(503, 403, 200);
    assertThat(sim.ledger().polls(task.taskId()).size() - queriesBefore)
        .as("one query for the link, one to refresh it")
        .isEqualTo(2);
  }

  @Test
  void taskTheProviderNoLongerKnowsEndsLinkExpired() {
    TaskSnapshot task = succeededTask("a forgotten horse");
    simClock.advance(TASK_RETENTION.plusMinutes(1));
    assertThat(sim.status(task.taskId())).hasValue(NativeStatus.UNKNOWN);
    ArchiverService service = start(kafka.uniqueName("archiver"));

    send(succeededEvent("req-forgotten", task));
    TaskStatus failed = awaitTerminal("req-forgotten");

    assertThat(failed.getState()).isEqualTo(TaskState.ARCHIVE_FAILED);
    assertThat(failed.getError().getCode()).isEqualTo("LINK_EXPIRED");
    assertThat(failed.getError().getStage().name()).isEqualTo("ARCHIVE");
    assertThat(failed.getError().getMessage()).doesNotContain("Signature");
    assertThat(failed.getArchive()).isNull();
    assertThat(sim.ledger().downloads(task.taskId())).isEmpty();
    assertThat(objectKeys()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(failures(service, "LINK_EXPIRED")).as("counted by code").isEqualTo(1));
    assertThat(
            meters.get(service).get("wan.archive.failed").counters().stream()
                .mapToDouble(Counter::count)
                .sum())
        .as("no other code")
        .isEqualTo(1);
    assertThat(meters.get(service).get("wan.archive.uploaded").counter().count()).isZero();
  }

  @Test
  void aDownloadCutShortIsRetriedAndLeavesNoPartialUpload() throws Exception {
    TaskSnapshot task = succeededTask("[sim:video-bytes=" + VIDEO_BYTES + "] a bird");
    sim.setFaults(Route.DOWNLOAD, Faults.NONE.withMalformedRate(1));
    start(kafka.uniqueName("archiver"));

    send(succeededEvent("req-truncated", task));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !sim.ledger().downloads(task.taskId()).isEmpty());
    sim.setFaults(Route.DOWNLOAD, Faults.NONE);
    TaskStatus archived = awaitTerminal("req-truncated");

    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(sim.ledger().downloads(task.taskId()).get(0).refusal()).isEqualTo("truncated");
    String servedSha = sim.videoSha256(task.taskId()).orElseThrow();
    assertThat(archived.getArchive().getSha256()).isEqualTo(servedSha);
    assertThat(sha256Of(archived.getArchive().getKey())).isEqualTo(servedSha);
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  @Test
  void redeliveryLeavesOneObjectAndOneArchived() {
    TaskSnapshot task = succeededTask("[sim:video-bytes=" + VIDEO_BYTES + "] a fish");
    String group = kafka.uniqueName("archiver");
    start(group);
    TaskStatus succeeded = succeededEvent("req-twice", task);
    String marker = samePartitionRequestId("req-twice");
    TaskSnapshot unknown = unknownTask();

    send(succeeded);
    send(succeeded);
    send(succeededEvent(marker, unknown));
    awaitTerminal(marker);
    awaitTerminal("req-twice");
    // Archives run by link expiry, not offset: wait until the group has committed past every
    // record of the partition, so the duplicate has been handled too.
    awaitCommittedToTheEnd(group, partitionOf("req-twice"));

    List<TaskStatus> terminals = terminalsOf("req-twice");
    assertThat(terminals).extracting(TaskStatus::getState).containsExactly(TaskState.ARCHIVED);
    assertThat(objectKeys())
        .containsExactly(
            "videos/acme/2026/03/01/req-twice.mp4", "videos/acme/2026/03/01/req-twice.mp4.sha256");
    assertThat(sim.ledger().downloads(task.taskId())).hasSize(1);

    // A second archiver (another group) reads the whole topic again: the request's ARCHIVED is
    // on the partition, so it answers nothing again, downloads nothing and uploads nothing.
    String etag = s3.headObject(b -> b.bucket(bucket).key(objectKeys().get(0))).eTag();
    String second = kafka.uniqueName("second-archiver");
    start(second);
    awaitCommittedToTheEnd(second, partitionOf("req-twice"));
    assertThat(terminalsOf("req-twice")).hasSize(1);
    assertThat(sim.ledger().downloads(task.taskId())).hasSize(1);
    assertThat(objectKeys()).hasSize(2);
    assertThat(s3.headObject(b -> b.bucket(bucket).key(objectKeys().get(0))).eTag())
        .isEqualTo(etag);
  }

  @Test
  void closingMidArchiveLeavesTheRequestToTheNextOwner() throws Exception {
    TaskSnapshot task = succeededTask("[sim:video-bytes=" + VIDEO_BYTES + "] a slow cow");
    sim.setFaults(Route.DOWNLOAD, Faults.NONE.withDelay(1, Duration.ofSeconds(20)));
    String group = kafka.uniqueName("archiver");
    ArchiverService first = start(group);
    int queriesBefore = sim.ledger().polls(task.taskId()).size();

    send(succeededEvent("req-handover", task));
    // The job has its link: its download is now waiting on the delayed answer.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> sim.ledger().polls(task.taskId()).size() > queriesBefore);
    first.close();
    assertThat(first.running()).isFalse();
    assertThat(terminalsOf("req-handover")).as("nothing committed for the abandoned job").isEmpty();

    sim.setFaults(Route.DOWNLOAD, Faults.NONE);
    start(group);
    TaskStatus archived = awaitTerminal("req-handover");

    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    String servedSha = sim.videoSha256(task.taskId()).orElseThrow();
    assertThat(archived.getArchive().getSha256()).isEqualTo(servedSha);
    assertThat(sha256Of(archived.getArchive().getKey())).isEqualTo(servedSha);
    assertThat(terminalsOf("req-handover")).hasSize(1);
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  @Test
  void lateSucceededIsArchived() throws Exception {
    TaskSnapshot task = succeededTask("a late swan");
    start(kafka.uniqueName("archiver"));

    send(
        TaskStatus.newBuilder(succeededEvent("req-late", task))
            .setState(TaskState.LATE_SUCCEEDED)
            .build());
    TaskStatus archived = awaitTerminal("req-late");

    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    String servedSha = sim.videoSha256(task.taskId()).orElseThrow();
    assertThat(archived.getArchive().getSha256()).isEqualTo(servedSha);
    assertThat(sha256Of(archived.getArchive().getKey())).isEqualTo(servedSha);
  }

  @Test
  void transientFailuresPastTheDeadlineEndArchiveFailed() {
    TaskSnapshot task = succeededTask("an unlucky owl");
    sim.setFaults(Route.DOWNLOAD, Faults.NONE.withUnavailableRate(1));
    extraSettings.put("archiver.task-deadline", "5s");
    // Attempts never run out first: only the deadline can end this request.
    extraSettings.put("archiver.max-attempts", "1000");
    extraSettings.put("archiver.retry-initial-backoff", "500ms");
    extraSettings.put("archiver.retry-max-backoff", "1s");
    ArchiverService service = start(kafka.uniqueName("archiver"));

    send(succeededEvent("req-deadline", task));
    TaskStatus failed = awaitTerminal("req-deadline");

    assertThat(failed.getState()).isEqualTo(TaskState.ARCHIVE_FAILED);
    assertThat(failed.getError().getCode()).isEqualTo("DOWNLOAD_FAILED");
    assertThat(failed.getError().getMessage()).contains("task deadline");
    assertThat(failed.getError().getRetryable()).isTrue();
    assertThat(failed.getError().getStage().name()).isEqualTo("ARCHIVE");
    assertThat(sim.ledger().downloads(task.taskId()))
        .as("retried before giving up")
        .hasSizeGreaterThan(1)
        .extracting(SimulatorLedger.Download::httpStatus)
        .containsOnly(503);
    assertThat(objectKeys()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(failures(service, "DOWNLOAD_FAILED")).isEqualTo(1));
    int downloads = sim.ledger().downloads(task.taskId()).size();
    assertThat(
            meters
                .get(service)
                .get("wan.archive.retries")
                .tag("code", "DOWNLOAD_FAILED")
                .counter()
                .count())
        .as(
            "every failed download but the last was retried (an attempt cut by the deadline may"
                + " fail before its download reaches the provider, and is counted too)")
        .isGreaterThanOrEqualTo(downloads - 1.0);
    assertThat(
            meters
                .get(service)
                .get("wan.archive.duration")
                .tag("outcome", "failed")
                .timer()
                .totalTime(TimeUnit.MILLISECONDS))
        .as(
            "from the first attempt to the commit, the backoff between attempts (at least 250 ms)"
                + " included")
        .isGreaterThanOrEqualTo(250.0);
  }

  @Test
  void archivesTheSoonestExpiringLinkFirst() {
    extraSettings.put("archiver.workers", "1");
    // Three events on one partition, the later the offset the sooner the expiry.
    List<String> requests = new ArrayList<>();
    requests.add("req-order");
    requests.add(samePartitionRequestId("req-order"));
    requests.add(samePartitionRequestId(requests.get(1)));
    List<TaskSnapshot> tasks = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      TaskSnapshot task = succeededTask("order " + i);
      tasks.add(task);
      send(
          TaskStatus.newBuilder(succeededEvent(requests.get(i), task))
              .setResultExpiresAt(Instant.parse("2026-03-02T10:00:00Z").minusSeconds(60L * i))
              .build());
    }
    start(kafka.uniqueName("archiver"));
    for (String r : requests) {
      assertThat(awaitTerminal(r).getState()).isEqualTo(TaskState.ARCHIVED);
    }

    List<String> ids = tasks.stream().map(TaskSnapshot::taskId).toList();
    assertThat(
            sim.ledger().downloads().stream()
                .map(SimulatorLedger.Download::taskId)
                .filter(ids::contains)
                .distinct()
                .toList())
        .as("fetched soonest expiry first")
        .containsExactly(ids.get(2), ids.get(1), ids.get(0));
  }

  @Test
  void twoArchiversRacingOnOneTaskLeaveOneObject() throws Exception {
    TaskSnapshot task = succeededTask("[sim:video-bytes=" + VIDEO_BYTES + "] a contested eel");
    // Both archivers get their answer late, so both miss the HEAD and stream at the same time.
    sim.setFaults(Route.DOWNLOAD, Faults.NONE.withDelay(1, Duration.ofSeconds(8)));
    start(kafka.uniqueName("racer-a"));
    start(kafka.uniqueName("racer-b"));
    int queriesBefore = sim.ledger().polls(task.taskId()).size();

    send(succeededEvent("req-race", task));
    // Each archiver queries the task for a link only after its HEAD missed: both are in flight.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> sim.ledger().polls(task.taskId()).size() - queriesBefore >= 2);
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(() -> assertThat(terminalsOf("req-race")).hasSize(2));

    List<TaskStatus> both = terminalsOf("req-race");
    assertThat(both).extracting(TaskStatus::getState).containsOnly(TaskState.ARCHIVED);
    assertThat(both.get(1).getArchive()).isEqualTo(both.get(0).getArchive());
    assertThat(sim.ledger().downloads(task.taskId()))
        .as("both archivers streamed the video")
        .hasSize(2);
    assertThat(objectKeys())
        .containsExactly(
            "videos/acme/2026/03/01/req-race.mp4", "videos/acme/2026/03/01/req-race.mp4.sha256");
    String servedSha = sim.videoSha256(task.taskId()).orElseThrow();
    assertThat(both.get(0).getArchive().getSha256()).isEqualTo(servedSha);
    assertThat(sha256Of(objectKeys().get(0))).isEqualTo(servedSha);
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  @Test
  void anObjectLeftWithoutItsChecksumIsHashedFromS3AndReused() throws Exception {
    TaskSnapshot task = succeededTask("a hasty hare");
    // What an archiver killed between its upload and its checksum object leaves behind.
    String key = "videos/acme/2026/03/01/req-left.mp4";
    byte[] left = "the bytes a killed archiver uploaded".getBytes(StandardCharsets.UTF_8);
    s3.createBucket(b -> b.bucket(bucket));
    s3.putObject(
        b ->
            b.bucket(bucket)
                .key(key)
                .metadata(Map.of("request-id", "req-left", "task-id", task.taskId())),
        RequestBody.fromBytes(left));
    start(kafka.uniqueName("archiver"));

    send(succeededEvent("req-left", task));
    TaskStatus archived = awaitTerminal("req-left");

    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(left));
    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(archived.getArchive().getKey()).isEqualTo(key);
    assertThat(archived.getArchive().getSizeBytes()).isEqualTo(left.length);
    assertThat(archived.getArchive().getSha256()).as("hashed from S3").isEqualTo(sha);
    assertThat(sim.ledger().downloads(task.taskId())).as("nothing downloaded again").isEmpty();
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key + ".sha256")).asUtf8String())
        .as("the hash is recorded for the next reuse")
        .isEqualTo(sha + "  req-left.mp4\n");
  }

  @Test
  void aKilledArchiversUploadIsAbortedByTheNextAttempt() {
    TaskSnapshot task = succeededTask("a patient heron");
    String key = "videos/acme/2026/03/01/req-stale.mp4";
    // What an archiver SIGKILLed mid-upload leaves behind: an incomplete multipart upload.
    s3.createBucket(b -> b.bucket(bucket));
    s3.createMultipartUpload(b -> b.bucket(bucket).key(key));
    assertThat(uploadsOf(key)).hasSize(1);
    // The next archiver's clock is past the upload's staleness cutoff (attempt start minus the
    // download timeout and a minute's slack): it counts as a crashed archiver's upload, not as a
    // live racer's.
    extraSettings.put("archiver.download-timeout", "1m");
    sim.setFaults(Route.DOWNLOAD, Faults.NONE.withUnavailableRate(1));
    start(kafka.uniqueName("archiver"), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(3)));

    send(succeededEvent("req-stale", task));

    // Every download fails before an upload starts, and a successful upload would abort every
    // other upload of its key: while the downloads fail, only the stale sweep can abort it.
    await().atMost(Duration.ofSeconds(30)).until(() -> uploadsOf(key).isEmpty());
    assertThat(sim.ledger().downloads(task.taskId()))
        .extracting(SimulatorLedger.Download::httpStatus)
        .doesNotContain(200);
    assertThat(objectKeys()).isEmpty();
    assertThat(terminalsOf("req-stale")).isEmpty();

    sim.setFaults(Route.DOWNLOAD, Faults.NONE);
    TaskStatus archived = awaitTerminal("req-stale");
    assertThat(archived.getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(archived.getArchive().getKey()).isEqualTo(key);
  }

  @Test
  void aLiveRacersUploadIsNotAbortedByAFailingAttempt() {
    TaskSnapshot task = succeededTask("a hurried crane");
    String key = "videos/acme/2026/03/01/req-racing.mp4";
    // A racer's upload in progress, younger than the staleness cutoff of this archiver.
    s3.createBucket(b -> b.bucket(bucket));
    s3.createMultipartUpload(b -> b.bucket(bucket).key(key));
    sim.setFaults(Route.DOWNLOAD, Faults.NONE.withUnavailableRate(1));
    start(kafka.uniqueName("archiver"));

    send(succeededEvent("req-racing", task));

    // Several attempts, each with its stale sweep, have run and failed.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> sim.ledger().downloads(task.taskId()).size() >= 2);
    assertThat(uploadsOf(key)).as("the racer's upload is left alone").hasSize(1);
  }

  private void awaitCommittedToTheEnd(String group, int partition) {
    TopicPartition tp = new TopicPartition(topics.taskStatus().name(), partition);
    try (Admin admin = Admin.create(kafka.clientConfig());
        KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(
                kafka.clientConfig(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                var committed =
                    admin
                        .listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get()
                        .get(tp);
                long end = consumer.endOffsets(List.of(tp)).get(tp);
                return committed != null && committed.offset() >= end - 1;
              });
    }
  }

  private ArchiverService start(String groupId) {
    return start(groupId, Clock.systemUTC());
  }

  private ArchiverService start(String groupId, Clock clock) {
    Map<String, String> values = env.settings(PipelineEnv.Service.ARCHIVER);
    values.put("archiver.group-id", groupId);
    values.put("archiver.retry-initial-backoff", "2s");
    values.put("archiver.retry-max-backoff", "4s");
    values.put("archiver.workers", "2");
    values.put("archiver.shutdown-grace", "5s");
    values.putAll(sim.archiverLinkSettings());
    values.putAll(extraSettings);
    ArchiverConfig config = ArchiverConfig.from(Settings.of(values));
    S3AsyncClient client = S3Clients.create(config.s3());
    asyncClients.add(client);
    ArchiverService service =
        new ArchiverService(
            config,
            clock,
            topics,
            account -> WanClients.forAccount(account, Clock.systemUTC()),
            client);
    services.add(service);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    service.meters().add(registry);
    meters.put(service, registry);
    service.start();
    return service;
  }

  /** A task the simulator has finished, as the provider reports it. */
  private TaskSnapshot succeededTask(String prompt) {
    return SucceededTasks.finished(provider, KEY, simClock, prompt);
  }

  private static TaskSnapshot unknownTask() {
    return new TaskSnapshot(
        UUID.randomUUID().toString(),
        ProviderStatus.SUCCEEDED,
        null,
        null,
        Instant.parse("2026-03-01T10:00:03Z"),
        null,
        null,
        null,
        null);
  }

  /** The SUCCEEDED event the poller would have produced for {@code task}. */
  private static TaskStatus succeededEvent(String requestId, TaskSnapshot task) {
    return SucceededTasks.event(requestId, ACCOUNT, KEY, task, "archiver-it");
  }

  /** A request id whose events land on the same partition as {@code requestId}'s. */
  private static String samePartitionRequestId(String requestId) {
    int target = partitionOf(requestId);
    for (int i = 0; ; i++) {
      String candidate = requestId + "-marker-" + i;
      if (partitionOf(candidate) == target) {
        return candidate;
      }
    }
  }

  private static int partitionOf(String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }

  private void send(TaskStatus status) {
    StatusTopic.send(kafka, topics, status);
  }

  private List<TaskStatus> terminalsOf(String requestId) {
    return StatusTopic.archiveEndsOf(kafka, topics, requestId);
  }

  private TaskStatus awaitTerminal(String requestId) {
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(() -> assertThat(terminalsOf(requestId)).isNotEmpty());
    return terminalsOf(requestId).get(0);
  }

  private double failures(ArchiverService service, String code) {
    return meters.get(service).get("wan.archive.failed").tag("code", code).counter().count();
  }

  private List<MultipartUpload> uploadsOf(String key) {
    return s3.listMultipartUploads(b -> b.bucket(bucket).prefix(key)).uploads().stream()
        .filter(u -> key.equals(u.key()))
        .toList();
  }

  private List<String> objectKeys() {
    return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).toList();
  }

  private String sha256Of(String key) throws Exception {
    return SucceededTasks.sha256Of(s3, bucket, key);
  }
}
