package io.wanpipeline.infra.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The alert rules as Prometheus' own tool reads them: {@code promtool check rules} and {@code
 * promtool test rules} (the unit tests in alerts-test.yaml, one or more per alert), from Debian's
 * {@code prometheus} package, which {@code .ci/run} installs when missing. MonitoringIT then checks
 * the series they use exist on a real scrape.
 */
class AlertRulesTest {

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    assertThat(promtool("check", "rules", MonitoringFiles.RULES.toString())).contains("SUCCESS");
  }

  @Test
  void everyAlertFiresWhenItsUnitTestsSayAndOnlyThen() throws Exception {
    assertThat(promtool("test", "rules", MonitoringFiles.RULE_TESTS.toString()))
        .contains("SUCCESS");
  }

  @Test
  void everyAlertHasAUnitTest() throws Exception {
    Set<String> alerts = new TreeSet<>();
    for (String line : Files.readAllLines(MonitoringFiles.RULES, StandardCharsets.UTF_8)) {
      if (line.trim().startsWith("- alert: ")) {
        alerts.add(line.trim().substring("- alert: ".length()));
      }
    }
    String tests = Files.readString(MonitoringFiles.RULE_TESTS);
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
    assertThat(alerts).allMatch(a -> tests.contains("alertname: " + a));
  }

  @Test
  void metricNamesAreReadOutOfExpressions() {
    assertThat(
            MonitoringFiles.metricNames(
                "histogram_quantile(0.95, sum by (le) (rate(wan_poll_detection_delay_seconds_bucket"
                    + "{account=~\"$account\"}[$__rate_interval]))) / 1e6 and on (x) up == 0"))
        .containsExactly("up", "wan_poll_detection_delay_seconds_bucket");
  }

  private static String promtool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          "promtool is not installed (.ci/run installs Debian's prometheus)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
