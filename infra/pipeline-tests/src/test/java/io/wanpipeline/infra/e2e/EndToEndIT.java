package io.wanpipeline.infra.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.demo.PipelineWatcher;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.S3Server;
import io.wanpipeline.infra.testing.fixtures.VideoRequestBuilder;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The whole pipeline over a real KRaft broker, the registry, s3proxy and the simulator, wired by
 * the same {@link LocalStack} the demo uses, with the default poll cadence: mixed requests end once
 * each, archived bytes match what the simulator served, and the bill matches the simulator's
 * seconds times the seeded prices to the micro-unit.
 *
 * <p>The provider key and the S3 credentials come from {@code WAN_PIPELINE_*} environment
 * variables, which must win over the values the stack writes (docs/configuration.md 1.2 and 7.1):
 * the simulator knows only the environment's key and the S3 server only the environment's
 * credentials, so the stack's own values would fail every request. The schema registry requires
 * HTTP basic authentication, as a managed registry does, with credentials from the environment:
 * every service and the stack's own clients must send them.
 */
@ExtendWith({KafkaBroker.class, S3Server.class})
class EndToEndIT {
  private static final String IMAGE = "https://example.com/e2e/frame.png";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN");
  private static final String ENV_PROVIDER_KEY = "sk-from-the-environment-4f1c";
  private static final String REGISTRY_USER_INFO = "e2e-registry:registry-secret-77d0";

  @TempDir Path dataDir;

  private LocalStack stack;
  private PipelineWatcher watcher;
  private String bucket;
  private S3Server.Info s3;

  @BeforeEach
  void start(KafkaBroker.Info kafka, S3Server.Info s3) throws Exception {
    this.s3 = s3;
    String prefix = kafka.uniqueName("e2e") + ".";
    bucket = s3.uniqueBucket("e2e");
    SimulatorConfig simulator =
        SimulatorConfig.builder()
            .apiKey(ENV_PROVIDER_KEY, "default")
            .pendingTime(Duration.ofMillis(500))
            .runningTime(Duration.ofSeconds(7))
            .build();
    Map<String, String> overrides = new HashMap<>();
    overrides.put("poller.timeout", "30s");
    overrides.put("archiver.bucket", bucket);
    overrides.put("submitter.group-id", prefix + "submitter");
    overrides.put("archiver.group-id", prefix + "archiver");
    overrides.put("poller.application-id", prefix + "poller");
    overrides.put("billing.application-id", prefix + "billing");
    stack =
        LocalStack.start(
            new LocalStack.Options(
                dataDir,
                kafka.bootstrapServers(),
                s3.endpoint(),
                "stack-access-key",
                "stack-secret-key",
                prefix,
                3,
                simulator,
                Settings.of(
                    Map.of(),
                    Map.of(
                        "WAN_PIPELINE_PROVIDER_DEFAULT_API_KEY",
                        ENV_PROVIDER_KEY,
                        "WAN_PIPELINE_S3_ACCESS_KEY_ID",
                        s3.accessKey(),
                        "WAN_PIPELINE_S3_SECRET_ACCESS_KEY",
                        s3.secretKey(),
                        "WAN_PIPELINE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO",
                        REGISTRY_USER_INFO)),
                overrides,
                Clock.systemUTC()));
    watcher = new PipelineWatcher(kafka.bootstrapServers(), stack.topics());
  }

  @AfterEach
  void stop() {
    if (watcher != null) {
      watcher.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void mixedRequestsEndOnceEachArchivedIntactAndBilledToTheMicroUnitWithSecretsFromTheEnvironment()
      throws Exception {
    assertThat(stack.settings().secret("provider.default.api-key")).contains(ENV_PROVIDER_KEY);
    assertThat(stack.settings().secret("s3.secret-access-key")).contains(s3.secretKey());
    assertThat(stack.settings().string("provider.default.base-url"))
        .as("keys the environment does not set keep the stack's values")
        .isEqualTo(stack.simulator().orElseThrow().baseUrl());
    assertRegistryRequiresItsCredentials();
    List<VideoRequest> archived = new ArrayList<>();
    String[][] valid = {
      {"wan2.6-t2v", null, "1280*720", "5", "acme"},
      {"wan2.6-t2v", null, "1920*1080", "10", "acme"},
      {"wan2.6-t2v", null, "720*1280", "3", "globex"},
      {"wan2.6-t2v", null, "1280*720", "7", "globex"},
      {"wan2.5-t2v-preview", null, "832*480", "5", "acme"},
      {"wan2.5-t2v-preview", null, "1280*720", "10", "acme"},
      {"wan2.5-t2v-preview", null, "1920*1080", "5", "globex"},
      {"wan2.7-t2v", "720P", null, "2", "acme"},
      {"wan2.7-t2v", "1080P", null, "4", "globex"},
      {"wan2.7-t2v", "720P", null, "15", "globex"},
      {"wan2.6-i2v", "720P", null, "5", "acme"},
      {"wan2.6-i2v", "1080P", null, "10", "globex"},
      {"wan2.6-i2v", "720P", null, "15", "acme"},
      {"wan2.2-i2v-flash", "480P", null, null, "acme"},
      {"wan2.2-i2v-flash", "720P", null, null, "globex"},
      {"wan2.2-i2v-flash", "720P", null, null, "acme"},
      {"wan2.2-kf2v-flash", "480P", null, null, "globex"},
      {"wan2.2-kf2v-flash", "1080P", null, null, "acme"},
    };
    for (int i = 0; i < valid.length; i++) {
      String[] v = valid[i];
      String prompt = i == 3 ? "fractional seconds [sim:seconds=7.25]" : "scene " + i;
      archived.add(
          request(
              "ok-" + i,
              v[4],
              v[0],
              prompt,
              v[0].contains("i2v") ? IMAGE : null,
              params(v[1], v[2], v[3] == null ? null : Integer.valueOf(v[3]))));
    }
    // the models whose inputs VideoRequest carries since issue 12: vace and the animate models
    archived.add(
        VideoRequest.newBuilder(request("vace", "acme", "wanx2.1-vace-plus", null, null, null))
            .setInput(
                VideoInput.newBuilder()
                    .setPrompt("a fox in front of a snowy forest")
                    .setFunction("image_reference")
                    .setRefImagesUrl(List.of(IMAGE, IMAGE))
                    .build())
            .setParameters(
                VideoParameters.newBuilder()
                    .setSize("1280*720")
                    .setObjOrBg(List.of("obj", "bg"))
                    .build())
            .build());
    for (String mode : List.of("wan-std", "wan-pro")) {
      archived.add(
          VideoRequest.newBuilder(
                  request("animate-" + mode, "globex", "wan2.2-animate-mix", null, null, null))
              .setInput(
                  VideoInput.newBuilder()
                      .setImageUrl(IMAGE)
                      .setVideoUrl("https://example.com/e2e/scene.mp4")
                      .build())
              .setParameters(VideoParameters.newBuilder().setMode(mode).build())
              .build());
    }
    VideoRequest invalid =
        request(
            "invalid",
            "acme",
            "wan2.2-i2v-flash",
            "no 1080P here",
            IMAGE,
            params("1080P", null, null));
    VideoRequest failing =
        request(
            "provider-fails",
            "acme",
            "wan2.6-t2v",
            "refused content [sim:fail=DataInspectionFailed]",
            null,
            params(null, "1280*720", 5));
    VideoRequest stuck =
        request(
            "never-ends",
            "globex",
            "wan2.5-t2v-preview",
            "runs forever [sim:never-finish]",
            null,
            params(null, "832*480", 5));
    List<VideoRequest> all = new ArrayList<>(archived);
    all.add(invalid);
    all.add(failing);
    all.add(stuck);
    List<String> ids = all.stream().map(VideoRequest::getRequestId).toList();

    send(all);

    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertThat(watcher.allTerminal(ids)).isTrue());

    WanSimulator simulator = stack.simulator().orElseThrow();
    SimulatorLedger ledger = simulator.ledger();

    TaskStatus rejected = watcher.latest(invalid.getRequestId());
    assertThat(rejected.getState()).isEqualTo(TaskState.REJECTED);
    assertThat(rejected.getError().getField()).isEqualTo("parameters.resolution");
    assertThat(rejected.getError().getMessage()).contains("480P and 720P");
    assertThat(ledger.submissionCount(invalid.getRequestId()))
        .as("a rejected request costs nothing: it never reaches the provider")
        .isZero();

    TaskStatus failed = watcher.latest(failing.getRequestId());
    assertThat(failed.getState()).isEqualTo(TaskState.FAILED);
    assertThat(failed.getError().getCode()).isEqualTo("DataInspectionFailed");

    TaskStatus timedOut = watcher.latest(stuck.getRequestId());
    assertThat(timedOut.getState()).isEqualTo(TaskState.TIMED_OUT);

    try (S3Client client = s3.newClient()) {
      for (VideoRequest r : archived) {
        TaskStatus done = watcher.latest(r.getRequestId());
        assertThat(done.getState()).as(r.getRequestId()).isEqualTo(TaskState.ARCHIVED);
        String served = simulator.videoSha256(done.getTaskId()).orElseThrow();
        ResponseBytes<GetObjectResponse> object =
            client.getObjectAsBytes(b -> b.bucket(bucket).key(done.getArchive().getKey()));
        assertThat(sha256(object.asByteArray()))
            .as("S3 object of %s holds the bytes the simulator served", r.getRequestId())
            .isEqualTo(served)
            .isEqualTo(done.getArchive().getSha256());
        assertThat(done.getArchive().getSizeBytes()).isEqualTo(object.asByteArray().length);
      }
    }

    for (String id : ids) {
      assertThat(watcher.terminalEvents(id)).as("terminal events of %s", id).hasSize(1);
    }

    Map<String, Long> expected = expectedTotals(archived, ledger);
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertThat(totals()).isEqualTo(expected));
    assertThat(httpTotals(expected.keySet()))
        .as("the local stack's totals endpoint answers what billing-totals holds")
        .isEqualTo(expected);
    assertThat(watcher.charges().stream().map(Charge::getRequestId))
        .as("one charge per archived request, none for the others")
        .containsExactlyInAnyOrderElementsOf(
            archived.stream().map(VideoRequest::getRequestId).toList());

    assertThat(ledger.maxSubmissionsPerRequestId())
        .as("no request_id carried to the provider twice")
        .isEqualTo(1);
    assertThat(ledger.minPollGap().orElseThrow())
        .as("no task queried twice within 3 s")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    for (SimulatorLedger.TaskRecord task : ledger.tasks()) {
      if (!ids.contains(task.pipelineRequestId())) {
        continue;
      }
      // The poller's status polls run until the first answer with an ended task; after that come
      // the archiver's link queries, which keep only the 3 s floor checked above.
      List<SimulatorLedger.Poll> answers = ledger.polls(task.taskId());
      int ended = 0;
      while (ended < answers.size() - 1 && !ENDED.contains(answers.get(ended).status())) {
        ended++;
      }
      List<Instant> polls =
          answers.subList(0, ended + 1).stream().map(SimulatorLedger.Poll::at).toList();
      assertThat(polls).as("polls of %s", task.pipelineRequestId()).isNotEmpty();
      assertThat(Duration.between(task.submitted(), polls.get(0)))
          .as("first poll of %s", task.pipelineRequestId())
          .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
      for (int i = 1; i < polls.size(); i++) {
        assertThat(Duration.between(polls.get(i - 1), polls.get(i)))
            .as("spacing of polls %d and %d of %s", i, i + 1, task.pipelineRequestId())
            .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
      }
    }
  }

  /** The latest amount per account|day|currency on this test's own billing-totals topic. */
  private Map<String, Long> totals() {
    Map<String, Long> out = new HashMap<>();
    for (Map.Entry<String, AccountTotal> e : watcher.totals().entrySet()) {
      out.put(e.getKey(), e.getValue().getAmountMicros());
    }
    return out;
  }

  /**
   * The totals the local stack's billing HTTP endpoint answers for the account and day of each
   * {@code account|day|currency} key, keyed the same way.
   */
  private Map<String, Long> httpTotals(Set<String> keys) throws Exception {
    URI base = stack.services().billing().httpUrl();
    assertThat(base).as("the local stack serves billing over HTTP").isNotNull();
    assertThat(base.getHost()).as("on loopback only").isEqualTo("127.0.0.1");
    HttpClient http = HttpClient.newHttpClient();
    Map<String, Long> out = new HashMap<>();
    for (String accountAndDay :
        keys.stream().map(k -> k.substring(0, k.lastIndexOf('|'))).collect(Collectors.toSet())) {
      String[] parts = accountAndDay.split("\\|");
      URI uri =
          base.resolve(
              "/billing/totals?account=" + parts[0] + "&from=" + parts[1] + "&to=" + parts[1]);
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("GET %s: %s", uri, r.body()).isEqualTo(200);
      for (JsonNode total : JSON.readTree(r.body()).path("totals")) {
        out.put(
            total.path("account_id").asText()
                + "|"
                + total.path("day").asText()
                + "|"
                + total.path("currency").asText(),
            total.path("amount_micros").asLong());
      }
    }
    return out;
  }

  /** Seconds the simulator produced x the seeded unit price, rounded half-up per charge. */
  private static Map<String, Long> expectedTotals(
      List<VideoRequest> archived, SimulatorLedger ledger) {
    List<Price> prices = PriceFile.bundled();
    Map<String, Long> totals = new HashMap<>();
    for (VideoRequest r : archived) {
      SimulatorLedger.TaskRecord task = ledger.tasksOfRequest(r.getRequestId()).get(0);
      Price price =
          prices.stream()
              .filter(p -> p.getModel().equals(task.model()))
              .filter(p -> p.getTier().equals(task.tier()))
              .filter(p -> !p.getAudio())
              .findFirst()
              .orElseThrow(() -> new AssertionError("no price for " + task));
      long amount =
          BigDecimal.valueOf(task.usageMillis())
              .multiply(BigDecimal.valueOf(price.getMicrosPerSecond()))
              .divide(BigDecimal.valueOf(1000), 0, RoundingMode.HALF_UP)
              .longValueExact();
      String day = task.ended().atZone(ZoneOffset.UTC).toLocalDate().toString();
      totals.merge(r.getAccountId() + "|" + day + "|" + price.getCurrency(), amount, Long::sum);
    }
    return totals;
  }

  private void send(List<VideoRequest> requests) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      var topic = stack.topics().videoRequests();
      for (VideoRequest r : requests) {
        producer.send(
            new ProducerRecord<>(
                topic.name(), topic.keyBytes(r.getRequestId()), topic.valueBytes(r)));
      }
      producer.flush();
    }
  }

  private static VideoRequest request(
      String id, String account, String model, String prompt, String image, VideoParameters p) {
    if (p == null) {
      p = params(null, null, null);
    }
    VideoRequestBuilder b =
        VideoRequests.forModel("e2e-" + id, model).accountId(account).prompt(prompt).parameters(p);
    return (model.contains("kf2v") ? b.firstFrameUrl(IMAGE).lastFrameUrl(IMAGE) : b.imgUrl(image))
        .build();
  }

  private static VideoParameters params(String resolution, String size, Integer duration) {
    return VideoParameters.newBuilder()
        .setResolution(resolution)
        .setSize(size)
        .setDuration(duration)
        .build();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** The registry refuses a request without credentials; with them it lists the subjects. */
  private void assertRegistryRequiresItsCredentials() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.URI subjects =
        java.net.URI.create(stack.settings().string("schema-registry.url") + "/subjects");
    java.net.http.HttpResponse<String> anonymous =
        http.send(
            java.net.http.HttpRequest.newBuilder(subjects).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).as("without credentials").isEqualTo(401);
    assertThat(anonymous.body()).contains("40101");
    java.net.http.HttpResponse<String> authenticated =
        http.send(
            java.net.http.HttpRequest.newBuilder(subjects)
                .header(
                    "Authorization",
                    "Basic "
                        + java.util.Base64.getEncoder()
                            .encodeToString(
                                REGISTRY_USER_INFO.getBytes(
                                    java.nio.charset.StandardCharsets.UTF_8)))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(authenticated.statusCode()).as("with the configured credentials").isEqualTo(200);
  }
}
