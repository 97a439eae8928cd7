package io.wanpipeline.infra.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
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
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in Debian's headless Chromium, against a local stack that ran the demo: the page
 * shows the demo's requests, the lanes, accounts and archive read from the services' metrics, the
 * day's spend and the failures with their reasons; its search shows one request's lifecycle. It
 * leaves a screenshot in {@code target/console.png} (the README's picture).
 */
class ConsoleIT {
  @TempDir Path dir;

  @Test
  void theConsoleShowsTheDemosRequestsInAHeadlessBrowser() throws Exception {
    HeadlessChromium chromium = HeadlessChromium.find(dir);
    try (LocalStack stack =
        LocalStack.start(LocalStack.Options.of(dir.resolve("stack"), Settings.of(Map.of())))) {
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
      Map<String, TaskStatus> demo = new LinkedHashMap<>();
      try (TopicLog<TaskStatus> statuses =
          new TopicLog<>(stack.bootstrapServers(), stack.topics().taskStatus())) {
        statuses.refreshToEnd().values().forEach(s -> demo.put(s.getRequestId(), s));
      }
      assertThat(demo).hasSizeGreaterThanOrEqualTo(5);
      URI base = stack.services().status().httpUrl();
      StatusViewClient view = new StatusViewClient(base);
      await()
          .atMost(Duration.ofSeconds(30))
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
          .contains(
              archived.getRequestId(), "SUBMITTED", "ARCHIVED", archived.getArchive().getUri());

      Path png = Path.of("target", "console.png").toAbsolutePath();
      Files.deleteIfExists(png);
      chromium.screenshot(console, png);
      assertThat(Files.size(png)).as("a screenshot of the page").isGreaterThan(10_000);
    }
  }

  /** The markup of the section with id {@code id}. */
  private static String section(String dom, String id) {
    int start = dom.indexOf("<section id=\"" + id + "\"");
    assertThat(start).as("section %s in the page", id).isNotNegative();
    return dom.substring(start, dom.indexOf("</section>", start));
  }
}
