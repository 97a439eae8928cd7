package io.wanpipeline.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @Test
  void environmentOverridesFileValues(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("svc.properties");
    Files.writeString(file, "kafka.bootstrap.servers=file:9092\npoller.timeout=20m\n");

    Settings settings =
        Settings.load(file, Map.of("WAN_PIPELINE_KAFKA_BOOTSTRAP_SERVERS", "env:9092"));

    assertThat(settings.string("kafka.bootstrap.servers")).isEqualTo("env:9092");
    assertThat(settings.duration("poller.timeout", Duration.ZERO))
        .isEqualTo(Duration.ofMinutes(20));
  }

  @Test
  void parsesDurationsInEveryDocumentedForm() {
    Settings s = Settings.of(Map.of("a", "500ms", "b", "5s", "c", "24h", "d", "PT3S", "e", "2d"));

    assertThat(s.duration("a", null)).isEqualTo(Duration.ofMillis(500));
    assertThat(s.duration("b", null)).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.duration("c", null)).isEqualTo(Duration.ofHours(24));
    assertThat(s.duration("d", null)).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.duration("e", null)).isEqualTo(Duration.ofDays(2));
    assertThat(s.duration("missing", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void parsesByteSizes() {
    Settings s = Settings.of(Map.of("a", "8MiB", "b", "512k", "c", "2g", "d", "100"));

    assertThat(s.bytes("a", 0)).isEqualTo(8L << 20);
    assertThat(s.bytes("b", 0)).isEqualTo(512L << 10);
    assertThat(s.bytes("c", 0)).isEqualTo(2L << 30);
    assertThat(s.bytes("d", 0)).isEqualTo(100);
  }

  @Test
  void malformedValuesNameTheKey() {
    Settings s = Settings.of(Map.of("poller.timeout", "soon", "topics.partitions", "many"));

    assertThatThrownBy(() -> s.duration("poller.timeout", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("poller.timeout")
        .hasMessageContaining("soon");
    assertThatThrownBy(() -> s.integer("topics.partitions", 1))
        .hasMessageContaining("topics.partitions");
    assertThatThrownBy(() -> s.string("schema-registry.url"))
        .hasMessageContaining("schema-registry.url")
        .hasMessageContaining("WAN_PIPELINE_SCHEMA_REGISTRY_URL");
  }

  @Test
  void secretsComeFromTheEnvironmentOrAFile(@TempDir Path dir) throws Exception {
    Path keyFile = dir.resolve("key");
    Files.writeString(keyFile, "sk-from-file\n");

    Settings fromEnv =
        Settings.of(Map.of(), Map.of("WAN_PIPELINE_PROVIDER_DEFAULT_API_KEY", "sk-from-env"));
    Settings fromFile =
        Settings.of(Map.of("provider.default.api-key.file", keyFile.toString()), Map.of());

    assertThat(fromEnv.secret("provider.default.api-key")).contains("sk-from-env");
    assertThat(fromFile.secret("provider.default.api-key")).contains("sk-from-file");
    assertThat(Settings.of(Map.of()).secret("provider.default.api-key")).isEmpty();
  }

  @Test
  void prefixedKeysPassThroughFromFileAndEnvironment() {
    Settings s =
        Settings.of(
            Map.of("kafka.linger.ms", "5", "other", "x"),
            Map.of("WAN_PIPELINE_KAFKA_SECURITY_PROTOCOL", "SSL"));

    assertThat(s.withPrefix("kafka."))
        .containsEntry("linger.ms", "5")
        .containsEntry("security.protocol", "SSL")
        .doesNotContainKey("other");
  }

  @Test
  void withReplacesFileValuesButTheEnvironmentStillWins() {
    Settings s =
        Settings.of(
            Map.of("kafka.bootstrap.servers", "file:9092", "s3.secret-access-key", "file-secret"),
            Map.of(
                "WAN_PIPELINE_KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "WAN_PIPELINE_S3_SECRET_ACCESS_KEY", "env-secret"));

    Settings embedded =
        s.with(
            Map.of(
                "kafka.bootstrap.servers", "local:1",
                "s3.secret-access-key", "local-secret",
                "topics.prefix", "local."));

    assertThat(embedded.string("kafka.bootstrap.servers")).isEqualTo("env:9092");
    assertThat(embedded.secret("s3.secret-access-key")).contains("env-secret");
    assertThat(embedded.string("topics.prefix")).isEqualTo("local.");
    assertThat(Settings.of(Map.of("a", "file")).with(Map.of("a", "stack")).string("a"))
        .isEqualTo("stack");
  }
}
