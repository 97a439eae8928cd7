package io.wanpipeline.infra.dlq;

import static io.wanpipeline.infra.batch.BatchTool.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.batch.BatchTool;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.submitter.DeadLetters;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead-letter tools against a running local stack: an upstream producer writes a request with a
 * schema the registry does not know, and a record that is not Avro at all; the submitter
 * dead-letters both. Once the schema is registered (the fix), {@code dlq replay} sends both back:
 * the request is generated and archived, the other is dead-lettered again, marked as a replay.
 */
class DlqCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void listsDeadLettersAndReplaysARequestOnceItsSchemaIsRegistered() throws Exception {
    try (LocalStack stack =
        LocalStack.start(LocalStack.Options.of(dir.resolve("stack"), Settings.of(Map.of())))) {
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

      // A first request registers every schema the services use (some on first use), so that
      // nothing else is registered until the fix below.
      try (KafkaProducer<byte[], byte[]> producer =
              new KafkaProducer<>(
                  Map.of("bootstrap.servers", stack.bootstrapServers()),
                  new ByteArraySerializer(),
                  new ByteArraySerializer());
          TopicLog<TaskStatus> statuses =
              new TopicLog<>(stack.bootstrapServers(), stack.topics().taskStatus())) {
        VideoRequest warmUp = VideoRequests.i2vFlash("dlq-warm-up").build();
        producer
            .send(
                new ProducerRecord<>(
                    requests,
                    stack.topics().videoRequests().keyBytes("dlq-warm-up"),
                    stack.topics().videoRequests().valueBytes(warmUp)))
            .get();
        await()
            .atMost(Duration.ofMinutes(1))
            .untilAsserted(
                () ->
                    assertThat(TopicLog.states(statuses.refreshToEnd(), "dlq-warm-up"))
                        .contains(TaskState.ARCHIVED));
      }
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
        producer
            .send(new ProducerRecord<>(requests, null, key("dlq-replay-1"), framed, trace))
            .get();
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
}
