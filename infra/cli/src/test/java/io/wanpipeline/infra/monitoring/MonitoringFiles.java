package io.wanpipeline.infra.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitoring files under {@code infra/monitoring} (README, What to watch): the alert rules and
 * the Grafana dashboard, their PromQL expressions and the series those name.
 */
final class MonitoringFiles {
  static final Path DIR = Path.of("..", "..", "infra", "monitoring").toAbsolutePath().normalize();
  static final Path RULES = DIR.resolve("alerts.yaml");
  static final Path RULE_TESTS = DIR.resolve("alerts-test.yaml");
  static final Path DASHBOARD = DIR.resolve("grafana-dashboard.json");

  private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern NUMBERS = Pattern.compile("\\b\\d+(\\.\\d+)?(e[+-]?\\d+)?\\b");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring");

  private MonitoringFiles() {}

  /** The expression of every alert rule. */
  static List<String> ruleExpressions() throws IOException {
    List<String> out = new ArrayList<>();
    for (JsonNode group : new YAMLMapper().readTree(RULES.toFile()).path("groups")) {
      group.path("rules").forEach(r -> out.add(r.path("expr").asText()));
    }
    return out;
  }

  /** The expression of every dashboard panel's query, as Grafana writes it. */
  static List<String> dashboardExpressions() throws IOException {
    List<String> out = new ArrayList<>();
    for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
      panel.path("targets").forEach(t -> out.add(t.path("expr").asText()));
    }
    return out;
  }

  /** The dashboard expression with Grafana's variables given values Prometheus accepts. */
  static String forPrometheus(String dashboardExpression) {
    return dashboardExpression.replace("$__rate_interval", "1m").replace("$account", ".*");
  }

  /** The metric names an expression reads: identifiers that are not functions or keywords. */
  static Set<String> metricNames(String expression) {
    String e = STRINGS.matcher(expression).replaceAll(" ");
    e = MATCHERS.matcher(e).replaceAll(" ");
    e = RANGES.matcher(e).replaceAll(" ");
    e = GROUPING.matcher(e).replaceAll(" ");
    e = NUMBERS.matcher(e).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(e);
    while (m.find()) {
      String token = m.group();
      if (m.group(1) == null && !KEYWORDS.contains(token)) {
        names.add(token);
      }
    }
    return names;
  }
}
