package io.wanpipeline.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.ArchiveLocation;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.S3Server;
import io.wanpipeline.infra.testing.StatusTopic;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Issue 5 item 11: a 2 GiB video archived by an archiver whose heap is capped at 256 MB. The
 * archiver runs as its own JVM ({@link ArchiverMain} with a properties file, {@code -Xmx256m},
 * {@code -XX:+ExitOnOutOfMemoryError}) against a real broker, s3proxy and the simulator serving the
 * video over https; the object in S3 must have the simulator's size and SHA-256, no multipart
 * upload may be left, and the child must still be running with no OutOfMemoryError in its log.
 *
 * <p>Knob: {@code -Darchiver.large-video.bytes} [2147483648]. Each run leaves the child's log and
 * properties under {@code target/archiver-large-video/}.
 */
@ExtendWith({KafkaBroker.class, S3Server.class})
class ArchiverLargeVideoIT {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiverLargeVideoIT.class);
  private static final String ACCOUNT = "sim";
  private static final ApiKey KEY = new ApiKey(ACCOUNT + "#0", "sk-archiver-large-video-it");
  private static final long DEFAULT_VIDEO_BYTES = 2L << 30;
  private static final int PARTITIONS = 3;
  private static final Duration ARCHIVE_TIMEOUT = Duration.ofMinutes(20);
  private static final List<String> CHILD_JVM_OPTIONS =
      List.of(
          "-Xmx256m",
          "-XX:+ExitOnOutOfMemoryError",
          "-XX:+UseSerialGC",
          "-Djava.awt.headless=true");

  @Test
  void archivesATwoGibVideoWithTheHeapCappedAt256Mb(KafkaBroker.Info kafka, S3Server.Info s3Info)
      throws Exception {
    long videoBytes = Long.getLong("archiver.large-video.bytes", DEFAULT_VIDEO_BYTES);
    Path dir =
        Path.of("target", "archiver-large-video", "run-" + Long.toString(System.nanoTime(), 36))
            .toAbsolutePath();
    Files.createDirectories(dir);
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    long free = Files.getFileStore(tmp).getUsableSpace();
    // s3proxy keeps the parts and then the whole object on disk: room for both, plus a margin.
    assertThat(free)
        .as("usable space in %s for s3proxy's copy of a %d-byte video", tmp, videoBytes)
        .isGreaterThan(3 * videoBytes);

    AdjustableClock simClock = new AdjustableClock(Instant.parse("2026-03-01T10:00:00Z"));
    try (WanSimulator sim =
            WanSimulator.start(
                SimulatorConfig.builder()
                    .clock(simClock)
                    .apiKey(KEY.secret(), "acct-sim")
                    .pendingTime(Duration.ofSeconds(1))
                    .runningTime(Duration.ofSeconds(2))
                    .linkLifetime(Duration.ofHours(1))
                    .httpsLinks(true)
                    .build());
        LocalSchemaRegistry registry =
            new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0);
        S3Client s3 = s3Info.newClient()) {
      String prefix = kafka.uniqueName("large-video") + ".";
      Topics topics =
          new Topics(TopicNames.withPrefix(prefix), SchemaRegistryClient.of(registry.url()));
      try (Admin admin = Admin.create(kafka.clientConfig())) {
        TopicProvisioner.ensure(admin, TopicSpec.pipeline(topics.names(), PARTITIONS, (short) 1));
      }
      String bucket = s3Info.uniqueBucket("large-video");
      TaskSnapshot task =
          SucceededTasks.finished(
              DashScopeClient.builder().baseUrl(sim.baseUrl()).build(),
              KEY,
              simClock,
              "[sim:video-bytes=" + videoBytes + "] a very long whale");
      assertThat(sim.videoLength(task.taskId())).hasValue(videoBytes);
      long shaStarted = System.nanoTime();
      // Computed before the archive, by streaming the generated bytes once.
      String servedSha = sim.videoSha256(task.taskId()).orElseThrow();
      LOG.info(
          "served video taskId={}, bytes={}, sha256 computed in {} ms",
          task.taskId(),
          videoBytes,
          (System.nanoTime() - shaStarted) / 1_000_000);

      try (ChildJvm archiver =
          ChildJvm.start(archiverSpec(dir, kafka, registry, prefix, bucket, sim, s3Info))) {
        long started = System.nanoTime();
        StatusTopic.send(
            kafka,
            topics,
            SucceededTasks.event("req-large", ACCOUNT, KEY, task, "archiver-large-video-it"));
        await()
            .atMost(ARCHIVE_TIMEOUT)
            .pollInterval(Duration.ofSeconds(1))
            .untilAsserted(
                () -> {
                  assertThat(archiver.isAlive())
                      .as("archiver child alive; log %s", archiver.logFile())
                      .isTrue();
                  assertThat(StatusTopic.archiveEndsOf(kafka, topics, "req-large")).isNotEmpty();
                });
        long millis = (System.nanoTime() - started) / 1_000_000;
        LOG.info(
            "archived bytes={} in {} ms ({} MiB/s) with -Xmx256m; log {}",
            videoBytes,
            millis,
            millis == 0 ? "-" : String.format("%.1f", videoBytes / 1048576.0 / (millis / 1000.0)),
            archiver.logFile());

        List<TaskStatus> terminals = StatusTopic.archiveEndsOf(kafka, topics, "req-large");
        assertThat(terminals).extracting(TaskStatus::getState).containsExactly(TaskState.ARCHIVED);
        ArchiveLocation location = terminals.get(0).getArchive();
        assertThat(location.getBucket()).isEqualTo(bucket);
        assertThat(location.getSizeBytes()).isEqualTo(videoBytes);
        assertThat(location.getSha256()).isEqualTo(servedSha);
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(location.getKey()));
        assertThat(head.contentLength()).as("the object's size").isEqualTo(videoBytes);
        assertThat(
                s3.getObjectAsBytes(b -> b.bucket(bucket).key(location.getKey() + ".sha256"))
                    .asUtf8String())
            .as("the checksum object")
            .startsWith(servedSha + "  ");
        assertThat(SucceededTasks.sha256Of(s3, bucket, location.getKey()))
            .as("the object's bytes")
            .isEqualTo(servedSha);
        assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads())
            .as("no incomplete multipart upload left")
            .isEmpty();
        assertThat(sim.ledger().downloads(task.taskId()))
            .as("downloaded once, in one piece")
            .singleElement()
            .satisfies(d -> assertThat(d.httpStatus()).isEqualTo(200));

        assertThat(archiver.isAlive())
            .as("archiver child still running; log %s", archiver.logFile())
            .isTrue();
        String log = Files.readString(archiver.logFile(), StandardCharsets.UTF_8);
        assertThat(log).doesNotContain("OutOfMemoryError").doesNotContain("Java heap space");
        long[] heap = heapMib(dir.resolve("archiver-gc.log"));
        LOG.info(
            "archiver child heap (-Xmx256m): peak before a collection {} MiB, largest live set"
                + " after a full collection {} MiB; gc log {}",
            heap[0],
            heap[1],
            dir.resolve("archiver-gc.log"));
        int exit = archiver.stop(Duration.ofSeconds(30));
        assertThat(exit)
            .as("exit code after SIGTERM (3 would be -XX:+ExitOnOutOfMemoryError)")
            .isNotEqualTo(3);
        assertThat(Files.readString(archiver.logFile(), StandardCharsets.UTF_8))
            .doesNotContain("OutOfMemoryError");
      }
    }
  }

  private static List<String> childJvmOptions(Path gcLog) {
    List<String> options = new ArrayList<>(CHILD_JVM_OPTIONS);
    options.add("-Xlog:gc:file=" + gcLog);
    return options;
  }

  /**
   * From a {@code -Xlog:gc} file: the largest heap occupancy before any collection and the largest
   * after a full collection (the live set), in MiB; -1 when there was none.
   */
  private static long[] heapMib(Path gcLog) throws Exception {
    long before = -1;
    long live = -1;
    Matcher m =
        Pattern.compile("Pause (Young|Full)[^\\n]*? (\\d+)M->(\\d+)M\\(\\d+M\\)")
            .matcher(Files.readString(gcLog, StandardCharsets.UTF_8));
    while (m.find()) {
      before = Math.max(before, Long.parseLong(m.group(2)));
      if (m.group(1).equals("Full")) {
        live = Math.max(live, Long.parseLong(m.group(3)));
      }
    }
    return new long[] {before, live};
  }

  /** The archiver child: settings in a properties file, secrets in the environment. */
  private static ChildJvm.Spec archiverSpec(
      Path dir,
      KafkaBroker.Info kafka,
      LocalSchemaRegistry registry,
      String prefix,
      String bucket,
      WanSimulator sim,
      S3Server.Info s3Info)
      throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    values.put("schema-registry.url", registry.url());
    values.put("topics.prefix", prefix);
    values.put("topics.partitions", Integer.toString(PARTITIONS));
    values.put("topics.replication-factor", "1");
    values.put("provider.accounts", ACCOUNT);
    values.put("provider." + ACCOUNT + ".base-url", sim.baseUrl());
    values.put("archiver.group-id", kafka.uniqueName("large-video-archiver"));
    values.put("archiver.bucket", bucket);
    values.put("archiver.create-bucket", "true");
    values.put("archiver.workers", "2");
    values.put("archiver.download-timeout", "15m");
    values.put("archiver.task-deadline", "20m");
    values.put("archiver.shutdown-grace", "5s");
    values.put("s3.endpoint", s3Info.endpoint().toString());
    values.put("s3.path-style", "true");
    Map<String, String> env = new HashMap<>();
    env.put(Settings.envName("provider." + ACCOUNT + ".api-key"), KEY.secret());
    env.put(Settings.envName("s3.access-key-id"), s3Info.accessKey());
    env.put(Settings.envName("s3.secret-access-key"), s3Info.secretKey());
    sim.archiverLinkSettings()
        .forEach(
            (k, v) -> {
              if (k.endsWith("password")) {
                env.put(Settings.envName(k), v);
              } else {
                values.put(k, v);
              }
            });
    Path file = dir.resolve("archiver.properties");
    Properties properties = new Properties();
    properties.putAll(values);
    properties.putIfAbsent("management.port", "0"); // a free port: tests run side by side
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      properties.store(w, "ArchiverLargeVideoIT");
    }
    return new ChildJvm.Spec(
        "archiver-large-video",
        System.getProperty("java.class.path"),
        childJvmOptions(dir.resolve("archiver-gc.log")),
        ArchiverMain.class.getName(),
        List.of(file.toString()),
        dir,
        dir.resolve("archiver.log"),
        env);
  }
}
