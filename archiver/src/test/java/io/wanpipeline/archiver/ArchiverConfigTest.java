package io.wanpipeline.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArchiverConfigTest {
  private static final Map<String, String> REQUIRED =
      Map.of(
          "kafka.bootstrap.servers", "localhost:9092",
          "schema-registry.url", "http://localhost:8081",
          "archiver.bucket", "videos-bucket");
  private static final Map<String, String> ENV =
      Map.of(
          "WAN_PIPELINE_PROVIDER_DEFAULT_API_KEY", "sk-test",
          "WAN_PIPELINE_S3_ACCESS_KEY_ID", "AKIATEST",
          "WAN_PIPELINE_S3_SECRET_ACCESS_KEY", "s3-secret-value");

  @Test
  void defaults() {
    ArchiverConfig c = ArchiverConfig.from(Settings.of(REQUIRED, ENV));

    assertThat(c.groupId()).isEqualTo("wan-pipeline-archiver");
    assertThat(c.transactionalId()).startsWith("wan-pipeline-archiver-");
    assertThat(c.archive().keyPrefix()).isEqualTo("videos");
    assertThat(c.archive().createBucket()).isFalse();
    assertThat(c.archive().maxVideoBytes()).isEqualTo(4L << 30);
    assertThat(c.archive().taskDeadline()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.archive().downloadTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.archive().maxAttempts()).isEqualTo(24);
    assertThat(c.workers()).isEqualTo(4);
    assertThat(c.archive().queryRateCap()).as("no cap: the account's archive reserve").isEmpty();
    assertThat(c.s3().region()).isEqualTo("us-east-1");
    assertThat(c.s3().pathStyle()).isFalse();
    assertThat(c.s3().endpoint()).isNull();
    assertThat(c.s3().partSize()).isEqualTo(8L << 20);
    assertThat(c.s3().checksums()).isEqualTo(ArchiverConfig.ChecksumMode.WHEN_SUPPORTED);
    assertThat(c.s3().accessKeyId()).isEqualTo("AKIATEST");
    assertThat(c.s3().toString()).doesNotContain("s3-secret-value").doesNotContain("AKIATEST");
    assertThat(c.accounts().defaultAccount().submitKey().secret()).isEqualTo("sk-test");
    assertThat(c.links().hosts()).containsExactly("*.aliyuncs.com");
    assertThat(c.links().allowHttp()).isFalse();
    assertThat(c.links().allowedAddresses()).isEmpty();
    assertThat(c.links().trustStore()).isNull();
  }

  @Test
  void aStableInstanceIdIsTheGroupInstanceIdAndPartOfTheTransactionalId() {
    Map<String, String> values = new HashMap<>(REQUIRED);
    values.put("archiver.instance-id", "archiver-1");
    ArchiverConfig c = ArchiverConfig.from(Settings.of(values, ENV));

    assertThat(c.instanceId()).isEqualTo("archiver-1");
    assertThat(c.transactionalId()).isEqualTo("wan-pipeline-archiver-archiver-1");
    assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void linkKeys() {
    Map<String, String> values = new HashMap<>(REQUIRED);
    values.put("archiver.link-hosts", "127.0.0.1, *.example.com");
    values.put("archiver.link-allow-http", "true");
    values.put("archiver.link-allowed-addresses", "127.0.0.1/32,::1");
    values.put("archiver.link-trust-store", "/tmp/sim.p12");
    Map<String, String> env = new HashMap<>(ENV);
    env.put("WAN_PIPELINE_ARCHIVER_LINK_TRUST_STORE_PASSWORD", "changeit-test");

    ArchiverConfig c = ArchiverConfig.from(Settings.of(values, env));

    assertThat(c.links().hosts()).containsExactly("127.0.0.1", "*.example.com");
    assertThat(c.links().allowHttp()).isTrue();
    assertThat(c.links().allowedAddresses()).hasSize(2);
    assertThat(c.links().trustStore().password()).isEqualTo("changeit-test");
    assertThat(c.links().toString()).doesNotContain("changeit-test");

    values.put("archiver.link-allowed-addresses", "localhost");
    assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(values, env)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("archiver.link-allowed-addresses");
    values.remove("archiver.link-allowed-addresses");
    values.put("archiver.link-hosts", "https://evil/*");
    assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(values, env)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("archiver.link-hosts");
  }

  @Test
  void linkHostsTakeExactOriginsAndRefuseMalformedOnes() {
    Map<String, String> values = new HashMap<>(REQUIRED);
    values.put("archiver.link-hosts", "https://127.0.0.1:8443, oss.example.com:443, [::1]:9000");

    assertThat(ArchiverConfig.from(Settings.of(values, ENV)).links().hosts())
        .containsExactly("https://127.0.0.1:8443", "oss.example.com:443", "[::1]:9000");
    for (String bad :
        List.of("127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x", "ftp://127.0.0.1", "::1:80")) {
      values.put("archiver.link-hosts", bad);
      assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(values, ENV)))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("archiver.link-hosts");
    }
    values.put("archiver.link-hosts", "http://127.0.0.1:8080");
    assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(values, ENV)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("archiver.link-allow-http");
    values.put("archiver.link-allow-http", "true");
    assertThat(ArchiverConfig.from(Settings.of(values, ENV)).links().hosts())
        .containsExactly("http://127.0.0.1:8080");
  }

  @Test
  void localStackSettings() {
    Map<String, String> values = new HashMap<>(REQUIRED);
    values.putAll(
        Map.of(
            "s3.endpoint", "http://127.0.0.1:18081",
            "s3.path-style", "true",
            "s3.checksums", "when-required",
            "archiver.create-bucket", "true",
            "archiver.max-video-bytes", "512MiB",
            "archiver.task-deadline", "2m",
            "archiver.key-prefix", "archive/videos"));

    ArchiverConfig c = ArchiverConfig.from(Settings.of(values, ENV));

    assertThat(c.s3().endpoint()).isEqualTo(URI.create("http://127.0.0.1:18081"));
    assertThat(c.s3().pathStyle()).isTrue();
    assertThat(c.s3().checksums()).isEqualTo(ArchiverConfig.ChecksumMode.WHEN_REQUIRED);
    assertThat(c.archive().createBucket()).isTrue();
    assertThat(c.archive().maxVideoBytes()).isEqualTo(512L << 20);
    assertThat(c.archive().taskDeadline()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.archive().keyPrefix()).isEqualTo("archive/videos");
  }

  @Test
  void queryRate() {
    Map<String, String> values = new HashMap<>(REQUIRED);
    values.put("archiver.query-rate", "3.5");
    assertThat(ArchiverConfig.from(Settings.of(values, ENV)).archive().queryRateCap())
        .hasValue(3.5);
    for (String bad : new String[] {"0", "-1", "fast"}) {
      values.put("archiver.query-rate", bad);
      assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(values, ENV)))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("archiver.query-rate");
    }
  }

  @Test
  void failsNamingTheKey() {
    Map<String, String> noBucket = new HashMap<>(REQUIRED);
    noBucket.remove("archiver.bucket");
    assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(noBucket, ENV)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("archiver.bucket");

    Map<String, String> huge = new HashMap<>(REQUIRED);
    huge.put("archiver.max-video-bytes", "6GiB");
    assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(huge, ENV)))
        .hasMessageContaining("archiver.max-video-bytes");

    Map<String, String> checksums = new HashMap<>(REQUIRED);
    checksums.put("s3.checksums", "sometimes");
    assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(checksums, ENV)))
        .hasMessageContaining("s3.checksums");

    assertThatThrownBy(() -> ArchiverConfig.from(Settings.of(REQUIRED, Map.of())))
        .hasMessageContaining("provider.default.api-key");

    assertThatThrownBy(
            () ->
                ArchiverConfig.from(
                    Settings.of(
                        REQUIRED,
                        Map.of(
                            "WAN_PIPELINE_PROVIDER_DEFAULT_API_KEY", "sk",
                            "WAN_PIPELINE_S3_ACCESS_KEY_ID", "AKIA"))))
        .hasMessageContaining("s3.secret-access-key");
  }
}
