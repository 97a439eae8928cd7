package io.wanpipeline.infra.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.examples.TaskStatusConsumer;
import io.wanpipeline.infra.batch.StatusViewClient;
import io.wanpipeline.infra.demo.Demo;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.testing.TopicLog;
import io.wanpipeline.runtime.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the three kinds of users see of one demo run on a local stack: operators, the console in
 * Debian's headless Chromium (the demo's requests, the lanes, accounts and archive read from the
 * services' metrics, the day's spend, the failures and their reasons; its search shows one
 * request's lifecycle; a screenshot in {@code target/console.png} is the README's picture);
 * downstream teams, the two example consumers of the consuming guide (docs/consuming.md), which
 * decode every event of the run.
 */
class DemoStackIT {
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
  void theNodeExampleConsumerDecodesEveryEventOfTheRun() throws Exception {
    Path example = Path.of("..", "examples", "node").toAbsolutePath().normalize();
    assertThat(example.resolve("node_modules/@confluentinc/kafka-javascript"))
        .as(
            "the Node.js example's packages (.ci/run installs them: apt-get install the dev"
                + " packages of README's Dependencies, then CKJS_LINKING=dynamic npm ci in %s)",
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

  /** The markup of the section with id {@code id}. */
  private static String section(String dom, String id) {
    int start = dom.indexOf("<section id=\"" + id + "\"");
    assertThat(start).as("section %s in the page", id).isNotNegative();
    return dom.substring(start, dom.indexOf("</section>", start));
  }
}
