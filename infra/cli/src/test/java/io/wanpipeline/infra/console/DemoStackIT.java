package io.wanpipeline.infra.console;

import static io.wanpipeline.infra.batch.BatchTool.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.examples.TaskStatusConsumer;
import io.wanpipeline.infra.batch.BatchTool;
import io.wanpipeline.infra.batch.StatusViewClient;
import io.wanpipeline.infra.demo.Demo;
import io.wanpipeline.infra.dlq.DlqReplay;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.submitter.DeadLetters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the three kinds of users see of one demo run on a local stack: operators, the console in
 * Debian's headless Chromium (the demo's requests, the lanes, accounts and archive read from the
 * services' metrics, the day's spend, the failures and their reasons; its search shows one
 * request's lifecycle; a screenshot in {@code target/console.png} is the README's picture);
 * downstream teams, the two example consumers of the consuming guide (docs/consuming.md), which
 * decode every event of the run; and the dead-letter tools ({@code dlq list}, {@code dlq replay}).
 * One stack and one demo for all: each stack start costs the full run half a minute.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoStackIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  private static LocalStack stack;
  private static List<TaskStatus> events;

  @BeforeAll
  static void runTheDemo() throws Exception {
    stack = LocalStack.start(LocalStack.Options.of(dir.resolve("stack"), Settings.of(Map.of())));
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    boolean ended =
        new Demo(
                stack.bootstrapServers(),
                stack.topics(),
                new PrintStream(table, true, StandardCharsets.UTF_8),
                Clock.systemUTC(),
                false)
            .run(Duration.ofMinutes(3));
    assertThat(ended).as(table.toString(StandardCharsets.UTF_8)).isTrue();
    try (TopicLog<TaskStatus> statuses =
        new TopicLog<>(stack.bootstrapServers(), stack.topics().taskStatus())) {
      events = statuses.refreshToEnd().values();
    }
    assertThat(lastOfEach()).hasSizeGreaterThanOrEqualTo(5);
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private static Map<String, TaskStatus> lastOfEach() {
    Map<String, TaskStatus> last = new java.util.LinkedHashMap<>();
    events.forEach(e -> last.put(e.getRequestId(), e));
    return last;
  }

  @Test
  @Order(1)
  void theConsoleShowsTheDemosRequestsInAHeadlessBrowser() throws Exception {
    HeadlessChromium chromium = HeadlessChromium.find(dir);
    Map<String, TaskStatus> demo = lastOfEach();
    URI base = stack.services().status().httpUrl();
    StatusViewClient view = new StatusViewClient(base);
    await()
        .atMost(Duration.ofSeconds(30))
        // 503 while the view restores or rebalances: asked again.
        .ignoreExceptionsInstanceOf(java.io.IOException.class)
        .until(
            () -> {
              for (TaskStatus last : demo.values()) {
                if (!view.request(last.getRequestId())
                    .map(r -> r.path("state").asText().equals(last.getState().name()))
                    .orElse(false)) {
                  return false;
                }
              }
              return true;
            });

    URI console = URI.create(base + "/console/");
    String dom = chromium.dom(console);
    assertThat(dom).contains("updated 20").doesNotContain("did not answer");
    for (TaskStatus last : demo.values()) {
      assertThat(dom).as("the page names %s", last.getRequestId()).contains(last.getRequestId());
      if (last.getError() != null && last.getState() != TaskState.ARCHIVED) {
        assertThat(dom).as("its failure's code").contains(last.getError().getCode());
      }
    }
    assertThat(section(dom, "lanes"))
        .as("lanes read from the submitter's metrics")
        .contains("default", demo.values().iterator().next().getModel())
        .doesNotContain("no service metrics");
    assertThat(section(dom, "accounts")).contains("default");
    assertThat(section(dom, "archive")).contains("links at risk");
    assertThat(section(dom, "spend")).contains("CNY");
    assertThat(section(dom, "sources")).contains("metrics read from 3 services");

    TaskStatus archived =
        demo.values().stream()
            .filter(s -> s.getState() == TaskState.ARCHIVED)
            .findFirst()
            .orElseThrow();
    String found = chromium.dom(URI.create(console + "#" + archived.getRequestId()));
    assertThat(section(found, "lifecycle"))
        .contains(archived.getRequestId(), "SUBMITTED", "ARCHIVED", archived.getArchive().getUri());

    Path png = Path.of("target", "console.png").toAbsolutePath();
    Files.deleteIfExists(png);
    chromium.screenshot(console, png);
    assertThat(Files.size(png)).as("a screenshot of the page").isGreaterThan(10_000);
  }

  @Test
  @Order(2)
  void theJavaExampleConsumerDecodesEveryEventOfTheRun() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long read =
        TaskStatusConsumer.consume(
            stack.bootstrapServers(),
            stack.settings().string("schema-registry.url"),
            stack.settings().string("topics.prefix", ""),
            events.size(),
            Duration.ofSeconds(30),
            new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(read).isEqualTo(events.size());
    assertThat(out.toString(StandardCharsets.UTF_8).lines().toList())
        .containsExactlyInAnyOrderElementsOf(lines(events));
  }

  @Test
  @Order(3)
  void theNodeExampleConsumerDecodesEveryEventOfTheRun() throws Exception {
    Path example = Path.of("..", "examples", "node").toAbsolutePath().normalize();
    assertThat(example.resolve("node_modules/@confluentinc/kafka-javascript"))
        .as(
            "the Node.js example's packages (the examples module's build installs them with"
                + " npm when missing, after .ci/run has installed the dev packages of README's"
                + " Dependencies; or CKJS_LINKING=dynamic npm ci in %s)",
            example)
        .isDirectory();
    Path out = dir.resolve("node-consumer.txt");
    ProcessBuilder node =
        new ProcessBuilder("node", "consume.mjs")
            .directory(example.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    node.environment().put("KAFKA_BOOTSTRAP", stack.bootstrapServers());
    node.environment().put("SCHEMA_REGISTRY_URL", stack.settings().string("schema-registry.url"));
    node.environment().put("TOPICS_PREFIX", stack.settings().string("topics.prefix", ""));
    node.environment().put("MAX_EVENTS", String.valueOf(events.size()));
    node.environment().put("IDLE_MS", "30000");
    Process p = node.start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("the consumer ends").isTrue();
    String printed = Files.readString(out, StandardCharsets.UTF_8);

    assertThat(p.exitValue()).as(printed).isZero();
    assertThat(printed.lines().filter(l -> l.matches("^\\d{4}-.*")).toList())
        .as(printed)
        .containsExactlyInAnyOrderElementsOf(lines(events));
  }

  /** The line both examples print for each event (event time, request, state, code, end). */
  private static List<String> lines(List<TaskStatus> events) {
    List<String> lines = new ArrayList<>();
    for (TaskStatus e : events) {
      lines.add(
          TaskStatusConsumer.TIME.format(e.getEventTime())
              + " "
              + e.getRequestId()
              + " "
              + e.getState()
              + (e.getError() == null ? "" : " " + e.getError().getCode())
              + (io.wanpipeline.schemas.lifecycle.TaskStates.terminal(e.getState())
                  ? " (ended)"
                  : ""));
    }
    return lines;
  }

  /**
   * The dead-letter tools: an upstream producer writes a request with a schema the registry does
   * not know, and a record that is not Avro at all; the submitter dead-letters both. Once the
   * schema is registered (the fix), {@code dlq replay} sends both back: the request is generated
   * and archived, the other is dead-lettered again, marked as a replay. Last: it adds events to the
   * run's.
   */
  @Test
  @Order(4)
  void listsDeadLettersAndReplaysARequestOnceItsSchemaIsRegistered() throws Exception {
    // The demo has registered every schema the services use: the next id is free until the fix.
    String registry = stack.settings().string("schema-registry.url");
    String requests = stack.topics().videoRequests().name();
    String dlq = stack.topics().videoRequestsDlq().name();
    Path config = dir.resolve("ops.properties");
    Files.writeString(
        config,
        "kafka.bootstrap.servers="
            + stack.bootstrapServers()
            + "\nschema-registry.url="
            + registry
            + "\ntopics.prefix="
            + stack.settings().string("topics.prefix", "")
            + "\n");

    // A newer VideoRequest schema (one more optional field, last), written under an id the
    // registry does not have yet: its producer registered it elsewhere.
    int nextId = firstUnusedId(registry);
    ObjectNode newer = (ObjectNode) JSON.readTree(VideoRequest.getClassSchema().toString());
    ObjectNode field = ((ArrayNode) newer.get("fields")).addObject();
    field.put("name", "upstream_note");
    field.set("type", JSON.createArrayNode().add("null").add("string"));
    field.putNull("default");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", stack.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      RecordHeaders trace = new RecordHeaders();
      trace.add("trace-id", "t-42".getBytes(StandardCharsets.UTF_8));
      byte[] framed = frame(nextId, VideoRequests.i2vFlash("dlq-replay-1").build());
      producer.send(new ProducerRecord<>(requests, null, key("dlq-replay-1"), framed, trace)).get();
      byte[] junk = "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8);
      producer.send(new ProducerRecord<>(requests, key("dlq-junk-1"), junk)).get();
    }
    try (TopicLog<byte[]> deadLetters =
        new TopicLog<>(stack.bootstrapServers(), stack.topics().videoRequestsDlq())) {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> deadLetters.refreshToEnd().raw().size() == 2);
    }

    BatchTool.Run list = run("dlq", "list", "--config", config.toString());
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(list.out())
        .contains("dlq-replay-1", "the writer schema is unknown")
        .contains("dlq-junk-1", "cannot read a VideoRequest")
        .contains("2 dead letters in " + dlq);
    String unknown = positionOf(list.out(), "dlq-replay-1");
    String junk = positionOf(list.out(), "dlq-junk-1");
    BatchTool.Run other =
        run("dlq", "list", "--config", config.toString(), "--topic", "poller-dlq");
    assertThat(other.out()).contains("0 dead letters in");
    BatchTool.Run dryRun =
        run("dlq", "replay", "--config", config.toString(), "--at", unknown, "--dry-run");
    assertThat(dryRun.out()).contains("would replay " + dlq + "/" + unknown.replace(':', '/'));

    // The fix: the newer schema is registered, and gets the id the request was written with.
    register(registry, requests + "-value", newer.toString(), nextId);

    BatchTool.Run replayed =
        run("dlq", "replay", "--config", config.toString(), "--at", unknown + "," + junk);
    assertThat(replayed.code()).as(replayed.out() + replayed.err()).isZero();
    assertThat(replayed.out()).contains("replayed 2 dead letters, 0 not");

    try (TopicLog<TaskStatus> statuses =
            new TopicLog<>(stack.bootstrapServers(), stack.topics().taskStatus());
        TopicLog<byte[]> deadLetters =
            new TopicLog<>(stack.bootstrapServers(), stack.topics().videoRequestsDlq())) {
      await()
          .atMost(Duration.ofMinutes(2))
          .untilAsserted(
              () ->
                  assertThat(TopicLog.states(statuses.refreshToEnd(), "dlq-replay-1"))
                      .contains(TaskState.ARCHIVED));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> deadLetters.refreshToEnd().raw().size() == 3);
      ConsumerRecord<byte[], byte[]> again =
          deadLetters.raw().stream()
              .filter(r -> r.headers().lastHeader(DlqReplay.REPLAYED_FROM) != null)
              .findFirst()
              .orElseThrow();
      assertThat(new String(again.key(), StandardCharsets.UTF_8)).isEqualTo("dlq-junk-1");
      assertThat(header(again, DlqReplay.REPLAYED_FROM))
          .isEqualTo(dlq + "/" + junk.replace(':', '/'));
      assertThat(header(again, DeadLetters.REASON)).startsWith("cannot read a VideoRequest");
      assertThat(again.headers().headers(DeadLetters.REASON))
          .as("a replay carries the original's headers only: one reason, the new one")
          .hasSize(1);
    }
  }

  private static byte[] key(String id) {
    return id.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code request} in the Confluent framing with schema {@code id}, as the newer schema writes it:
   * its own bytes, then the added field's null (union branch 0, one byte).
   */
  private static byte[] frame(int id, VideoRequest request) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new SpecificDatumWriter<>(VideoRequest.class).write(request, encoder);
    encoder.flush();
    out.write(0);
    return out.toByteArray();
  }

  /** The first schema id the registry does not know (it numbers schemas from 1, in order). */
  private static int firstUnusedId(String registry) throws Exception {
    int id = 1;
    while (HTTP.send(
                HttpRequest.newBuilder(URI.create(registry + "/schemas/ids/" + id)).build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode()
        == 200) {
      id++;
    }
    return id;
  }

  private static void register(String registry, String subject, String schema, int expectedId)
      throws Exception {
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(registry + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.createObjectNode().put("schema", schema).toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(JSON.readTree(answer.body()).path("id").asInt()).isEqualTo(expectedId);
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  /** The PARTITION:OFFSET of the listed dead letter whose key is {@code key}. */
  private static String positionOf(String listing, String key) {
    for (String line : listing.split("\n")) {
      if (line.contains(" " + key + " ")) {
        String[] position = line.trim().split("\\s+")[0].split("/");
        return position[position.length - 2] + ":" + position[position.length - 1];
      }
    }
    throw new AssertionError(key + " not listed in:\n" + listing);
  }

  /** The markup of the section with id {@code id}. */
  private static String section(String dom, String id) {
    int start = dom.indexOf("<section id=\"" + id + "\"");
    assertThat(start).as("section %s in the page", id).isNotNegative();
    return dom.substring(start, dom.indexOf("</section>", start));
  }
}
