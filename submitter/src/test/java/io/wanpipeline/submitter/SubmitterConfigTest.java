package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.schemas.config.ConfigException;
import io.wanpipeline.schemas.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubmitterConfigTest {
  private static Map<String, String> minimal() {
    Map<String, String> m = new HashMap<>();
    m.put("kafka.bootstrap.servers", "localhost:9092");
    m.put("schema-registry.url", "http://localhost:8081");
    m.put("provider.default.api-key", "sk-test");
    return m;
  }

  @Test
  void defaults() {
    SubmitterConfig c = SubmitterConfig.from(Settings.of(minimal()));
    assertThat(c.throttleDeadline()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.groupId()).isEqualTo("wan-pipeline-submitter");
    assertThat(c.kafka().topicNames().videoRequests()).isEqualTo("video-requests");
    assertThat(c.kafka().partitions()).isEqualTo(6);
    assertThat(c.backoffInitial()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.backoffMax()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.accounts().defaultAccount().name()).isEqualTo("default");
    assertThat(c.transactionalId()).startsWith("wan-pipeline-submitter-");
  }

  @Test
  void readsOwnKeys() {
    Map<String, String> m = minimal();
    m.put("submitter.throttle-deadline", "30s");
    m.put("submitter.instance-id", "pod-1");
    m.put("topics.prefix", "t1.");
    m.put("kafka.linger.ms", "5");
    SubmitterConfig c = SubmitterConfig.from(Settings.of(m));
    assertThat(c.throttleDeadline()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.transactionalId()).isEqualTo("wan-pipeline-submitter-pod-1");
    assertThat(c.kafka().topicNames().submissions()).isEqualTo("t1.wan-pipeline-submissions");
    assertThat(c.kafka().clientProperties()).containsEntry("linger.ms", "5");
  }

  @Test
  void failsNamingTheKey() {
    Map<String, String> m = minimal();
    m.remove("kafka.bootstrap.servers");
    assertThatThrownBy(() -> SubmitterConfig.from(Settings.of(m)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.bootstrap.servers");
    Map<String, String> bad = minimal();
    bad.put("submitter.throttle-deadline", "0s");
    assertThatThrownBy(() -> SubmitterConfig.from(Settings.of(bad)))
        .hasMessageContaining("submitter.throttle-deadline");
    Map<String, String> noKey = minimal();
    noKey.remove("provider.default.api-key");
    assertThatThrownBy(() -> SubmitterConfig.from(Settings.of(noKey)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("provider.default.api-key")
        .hasMessageNotContaining("sk-test");
  }
}
