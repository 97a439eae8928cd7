package io.wanpipeline.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The logging keys, checked here and applied to logback in a real child JVM. */
class LogSetupTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The child JVM's main: loads the settings as {@code ServiceRunner} does, applies them and logs
   * one line of ours inside a request's scope, one outside, and two of Kafka's.
   */
  @SuppressWarnings("try") // the scope is the logging context of the body
  public static void main(String[] args) {
    Settings settings = Settings.load(args.length > 0 ? Path.of(args[0]) : null, System.getenv());
    LogSetup.apply(settings);
    Logger ours = LoggerFactory.getLogger("io.wanpipeline.demo.Worker");
    Logger kafka = LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient");
    try (var scope = RequestLogContext.of("req-1", "task-1", "default")) {
      ours.info("created the task");
    }
    ours.info("outside any request");
    kafka.info("kafka info");
    kafka.warn("kafka warning");
  }

  @Test
  void aFormatOrLevelOutsideTheAllowedValuesIsAConfigurationError() {
    assertThatThrownBy(() -> LogSetup.read(Settings.of(Map.of("log.format", "xml"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("log.format must be text or json");
    assertThatThrownBy(() -> LogSetup.read(Settings.of(Map.of("log.level", "LOUD"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("log.level must be one of");
    assertThat(
            LogSetup.read(
                Settings.of(Map.of("log.format", " JSON ", "log.level.root", "info"), Map.of())))
        .containsExactly(Map.entry("log.format", "json"), Map.entry("log.level.root", "INFO"));
    assertThat(
            LogSetup.read(
                Settings.of(
                    Map.of("log.format", "json"), Map.of("WAN_PIPELINE_LOG_FORMAT", "text"))))
        .as("the environment wins over the file")
        .containsEntry("log.format", "text");
  }

  @Test
  void byDefaultALineHasTheDateWithItsZoneTheThreadTheLevelAndTheLogger(@TempDir Path dir)
      throws Exception {
    List<String> lines = runChild(dir, "", Map.of());

    assertThat(lines)
        .as("logback's own status lines (a warning in the configuration) stay out")
        .noneMatch(line -> line.contains("|-"))
        .anySatisfy(
            line ->
                assertThat(line)
                    .matches(
                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)"
                            + " INFO  \\[main\\] io\\.wanpipeline\\.demo\\.Worker - created the task"))
        .as("Kafka below WARN stays out by default")
        .noneMatch(line -> line.contains("kafka info"))
        .anyMatch(
            line ->
                line.matches(
                    ".* WARN  \\[main\\] o\\.apache\\.kafka\\.clients\\.NetworkClient - kafka warning"));
  }

  @Test
  void jsonFromThePropertiesFileIsOneObjectPerLineWithTheRequestsFields(@TempDir Path dir)
      throws Exception {
    List<String> lines = runChild(dir, "log.format=json\nlog.level.root=INFO\n", Map.of());

    List<JsonNode> events = new ArrayList<>();
    for (String line : lines) {
      events.add(JSON.readTree(line));
    }
    assertThat(events).as("every line is a JSON object").allMatch(JsonNode::isObject);
    JsonNode created = only(events, "created the task");
    assertThat(created.path("@timestamp").asText()).matches("\\d{4}-.*Z");
    assertThat(created.path("level").asText()).isEqualTo("INFO");
    assertThat(created.path("thread_name").asText()).isEqualTo("main");
    assertThat(created.path("logger_name").asText()).isEqualTo("io.wanpipeline.demo.Worker");
    assertThat(created.path("requestId").asText()).isEqualTo("req-1");
    assertThat(created.path("taskId").asText()).isEqualTo("task-1");
    assertThat(created.path("account").asText()).isEqualTo("default");
    JsonNode outside = only(events, "outside any request");
    assertThat(outside.has("requestId")).as("the scope closed").isFalse();
    assertThat(only(events, "kafka info").path("level").asText())
        .as("log.level.root=INFO from the file")
        .isEqualTo("INFO");
  }

  @Test
  void theEnvironmentChoosesJsonFromTheFirstLine(@TempDir Path dir) throws Exception {
    List<String> lines = runChild(dir, null, Map.of("WAN_PIPELINE_LOG_FORMAT", "json"));

    assertThat(lines).isNotEmpty().allMatch(line -> line.startsWith("{") && line.endsWith("}"));
  }

  @Test
  void aLongRecordKeyIsCutInTheLoggingContext() {
    byte[] key = "k".repeat(10_000).getBytes(StandardCharsets.UTF_8);
    assertThat(RequestLogContext.fromKey(key))
        .hasSize(RequestLogContext.MAX_KEY_CHARS + 3)
        .endsWith("...");
    assertThat(RequestLogContext.fromKey("req-1".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("req-1");
    assertThat(RequestLogContext.fromKey(null)).isNull();
  }

  private static JsonNode only(List<JsonNode> events, String message) {
    List<JsonNode> found =
        events.stream().filter(e -> message.equals(e.path("message").asText())).toList();
    assertThat(found).as(message).hasSize(1);
    return found.get(0);
  }

  /** Runs {@link #main} with {@code properties} (no file when null) and returns its output. */
  private static List<String> runChild(Path dir, String properties, Map<String, String> env)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LogSetupTest.class.getName()));
    if (properties != null) {
      Path file = dir.resolve("service.properties");
      Files.writeString(file, properties);
      command.add(file.toString());
    }
    Path out = dir.resolve("child.log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("WAN_PIPELINE_"));
    builder.environment().putAll(env);
    Process child = builder.start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as("exit status; output: %s", Files.readString(out)).isZero();
    return Files.readAllLines(out, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank())
        .toList();
  }
}
