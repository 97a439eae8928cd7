package io.wanpipeline.infra.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.infra.demo.Demo;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.infra.testing.fixtures.VideoRequests;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's {@code prometheus}, installed by {@code .ci/run} when missing)
 * scrapes the five services of a running local stack, with the alert rules loaded, while the demo's
 * requests go through, plus a request the provider refuses and an unreadable record on each input
 * topic. Every series the Grafana dashboard and the alert rules name must then exist, every
 * dashboard query must run, and every rule must evaluate without error. The dashboard's panels,
 * drawn from this scrape, go to {@code target/monitoring/dashboard.svg}.
 */
class MonitoringIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SERIES_WITHIN = Duration.ofSeconds(120);

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void prometheusFindsEverySeriesTheDashboardAndTheAlertsUse() throws Exception {
    try (LocalStack stack =
        LocalStack.start(LocalStack.Options.of(dir.resolve("stack"), Settings.of(Map.of())))) {
      int port = freePort();
      Path config = writeConfig(stack.services().managementPorts());
      Process prometheus =
          new ProcessBuilder(
                  "prometheus",
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + dir.resolve("tsdb"),
                  "--web.listen-address=127.0.0.1:" + port,
                  "--log.level=warn")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      try {
        URI api = URI.create("http://127.0.0.1:" + port);
        Instant scrapedFrom = Instant.now();
        await("Prometheus ready")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> get(api.resolve("/-/ready")).statusCode() == 200);

        boolean ended =
            new Demo(
                    stack.bootstrapServers(),
                    stack.topics(),
                    new PrintStream(OutputStream.nullOutputStream()),
                    Clock.systemUTC(),
                    false)
                .run(Duration.ofMinutes(3));
        assertThat(ended).as("the demo's requests ended").isTrue();
        byte[] garbage =
            sendRefusedRequestAndUnreadableRecords(stack.bootstrapServers(), stack.topics());

        Set<String> names = new TreeSet<>();
        for (String e : MonitoringFiles.ruleExpressions()) {
          names.addAll(MonitoringFiles.metricNames(e));
        }
        for (String e : MonitoringFiles.dashboardExpressions()) {
          names.addAll(MonitoringFiles.metricNames(e));
        }
        assertThat(names).hasSizeGreaterThan(20);
        await("every series the dashboard and the alerts use")
            .atMost(SERIES_WITHIN)
            .pollInterval(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(missing(api, names)).isEmpty());

        assertThat(query(api, "up{job=\"wan-pipeline\"} == 1").size())
            .as("the five services' targets up")
            .isEqualTo(5);
        for (String e : MonitoringFiles.dashboardExpressions()) {
          query(api, MonitoringFiles.forPrometheus(e)); // fails on an error
        }
        JsonNode groups = api(api.resolve("/api/v1/rules")).path("data").path("groups");
        List<String> rules = new ArrayList<>();
        groups.forEach(
            g ->
                g.path("rules")
                    .forEach(
                        r -> rules.add(r.path("name").asText() + "=" + r.path("health").asText())));
        assertThat(rules)
            .hasSize(MonitoringFiles.ruleExpressions().size())
            .allMatch(r -> r.endsWith("=ok"));

        // The three Streams services dead-lettered the task-status record they could not read.
        for (Topic<String, byte[]> dlq :
            List.of(
                stack.topics().pollerDlq(),
                stack.topics().billingDlq(),
                stack.topics().statusDlq())) {
          try (TopicLog<byte[]> log = new TopicLog<>(stack.bootstrapServers(), dlq)) {
            await(dlq.name())
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(log.refresh().raw()).hasSize(1));
            ConsumerRecord<byte[], byte[]> letter = log.raw().get(0);
            assertThat(letter.value()).as(dlq.name()).isEqualTo(garbage);
            assertThat(letter.headers().lastHeader(DeadLetterUnreadableRecords.TOPIC).value())
                .as(dlq.name())
                .isEqualTo(stack.topics().taskStatus().name().getBytes(StandardCharsets.UTF_8));
          }
        }

        // The README's picture of the dashboard (docs/images/dashboard.png) is this file,
        // converted with rsvg-convert (README, What to watch).
        Path snapshot = Path.of("target", "monitoring", "dashboard.svg");
        new DashboardSnapshot(api)
            .write(MonitoringFiles.DASHBOARD, scrapedFrom, Instant.now(), snapshot);
        assertThat(Files.readString(snapshot)).contains("Create calls by outcome", "<polyline");
      } finally {
        prometheus.destroy();
        prometheus.waitFor();
      }
    }
  }

  /**
   * A request the provider refuses (a dispatcher FAILED), a record of video-requests that is not a
   * request (dead-lettered) and one of task-status that is not an event (dead-lettered by the
   * poller and by billing); returns the unreadable bytes.
   */
  private static byte[] sendRefusedRequestAndUnreadableRecords(String bootstrap, Topics topics) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    VideoRequest refused =
        VideoRequests.i2vFlash("monitoring-refused")
            .prompt("[sim:submit=arrearage] a cat surfing")
            .build();
    byte[] garbage = "not a record of the contract".getBytes(StandardCharsets.UTF_8);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(
          new ProducerRecord<>(
              topics.videoRequests().name(),
              topics.videoRequests().keyBytes(refused.getRequestId()),
              topics.videoRequests().valueBytes(refused)));
      producer.send(new ProducerRecord<>(topics.videoRequests().name(), garbage, garbage));
      producer.send(new ProducerRecord<>(topics.taskStatus().name(), garbage, garbage));
      producer.flush();
    }
    return garbage;
  }

  private Path writeConfig(Map<String, Integer> ports) throws IOException {
    StringBuilder targets = new StringBuilder();
    ports.values().forEach(p -> targets.append("          - 127.0.0.1:").append(p).append('\n'));
    String yaml =
        "global:\n"
            + "  scrape_interval: 1s\n"
            + "  evaluation_interval: 1s\n"
            + "rule_files:\n"
            + "  - "
            + MonitoringFiles.RULES
            + "\n"
            + "scrape_configs:\n"
            + "  - job_name: wan-pipeline\n"
            + "    static_configs:\n"
            + "      - targets:\n"
            + targets;
    return Files.writeString(dir.resolve("prometheus.yml"), yaml);
  }

  private List<String> missing(URI api, Set<String> names) throws Exception {
    List<String> missing = new ArrayList<>();
    for (String name : names) {
      if (query(api, "count({__name__=\"" + name + "\"})").isEmpty()) {
        missing.add(name);
      }
    }
    return missing;
  }

  /** The result vector of an instant query; fails on a query error. */
  private List<JsonNode> query(URI api, String promql) throws Exception {
    JsonNode answer =
        api(
            api.resolve(
                "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
    List<JsonNode> out = new ArrayList<>();
    answer.path("data").path("result").forEach(out::add);
    return out;
  }

  private JsonNode api(URI uri) throws Exception {
    HttpResponse<String> response = get(uri);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("status").asText()).as(uri + ": " + response.body()).isEqualTo("success");
    return body;
  }

  private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
