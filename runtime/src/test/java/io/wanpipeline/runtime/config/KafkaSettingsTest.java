package io.wanpipeline.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.schemas.topics.TopicSpec;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {
  private static Map<String, String> minimal() {
    Map<String, String> m = new HashMap<>();
    m.put("kafka.bootstrap.servers", "localhost:9092");
    m.put("schema-registry.url", "http://localhost:8081");
    return m;
  }

  @Test
  void defaults() {
    KafkaSettings k = KafkaSettings.from(Settings.of(minimal()));

    assertThat(k.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(k.registry().url()).isEqualTo(URI.create("http://localhost:8081"));
    assertThat(k.topicNames().taskStatus()).isEqualTo("task-status");
    assertThat(k.partitions()).isEqualTo(6);
    assertThat(k.replicationFactor()).isEqualTo((short) 1);
    assertThat(k.clientProperties())
        .containsExactly(Map.entry("bootstrap.servers", "localhost:9092"));
  }

  @Test
  void readsPrefixTopicsAndPassThroughSettings() {
    Map<String, String> m = minimal();
    m.put("topics.prefix", "t1.");
    m.put("topics.partitions", "12");
    m.put("topics.replication-factor", "3");
    m.put("kafka.linger.ms", "5");

    KafkaSettings k =
        KafkaSettings.from(
            Settings.of(m, Map.of("WAN_PIPELINE_KAFKA_BOOTSTRAP_SERVERS", " env:9092 ")));

    assertThat(k.topicNames().submissions()).isEqualTo("t1.wan-pipeline-submissions");
    assertThat(k.clientProperties())
        .containsEntry("linger.ms", "5")
        .as("the client settings carry the same bootstrap servers as the typed value")
        .containsEntry("bootstrap.servers", "env:9092");
    assertThat(k.clientConfig()).containsEntry("linger.ms", "5");
    assertThat(k.topicSpecs(Set.of("t1.task-status")))
        .singleElement()
        .extracting(TopicSpec::partitions, TopicSpec::replicationFactor)
        .containsExactly(12, (short) 3);
  }

  @Test
  void failsNamingTheKey() {
    for (String key : new String[] {"kafka.bootstrap.servers", "schema-registry.url"}) {
      Map<String, String> m = minimal();
      m.remove(key);
      assertThatThrownBy(() -> KafkaSettings.from(Settings.of(m)))
          .as(key)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(key);
    }
    for (String[] kv :
        new String[][] {
          {"topics.partitions", "0"},
          {"topics.partitions", "many"},
          {"topics.replication-factor", "0"},
          {"topics.replication-factor", "32768"},
          {"topics.replication-factor", "65537"}
        }) {
      Map<String, String> m = minimal();
      m.put(kv[0], kv[1]);
      assertThatThrownBy(() -> KafkaSettings.from(Settings.of(m)))
          .as(kv[0] + "=" + kv[1])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(kv[0]);
    }
  }

  @Test
  void keepsTaskStatusForEverUnlessAtLeastAWeekIsConfigured() {
    KafkaSettings byDefault = KafkaSettings.from(Settings.of(minimal()));
    assertThat(byDefault.taskStatusRetention()).isEmpty();
    assertThat(statusRetentionMs(byDefault)).isEqualTo("-1");

    Map<String, String> forever = minimal();
    forever.put("topics.task-status-retention", "Forever");
    assertThat(KafkaSettings.from(Settings.of(forever)).taskStatusRetention()).isEmpty();

    Map<String, String> month = minimal();
    month.put("topics.task-status-retention", "30d");
    KafkaSettings k = KafkaSettings.from(Settings.of(month));
    assertThat(k.taskStatusRetention()).contains(Duration.ofDays(30));
    assertThat(statusRetentionMs(k)).isEqualTo(String.valueOf(Duration.ofDays(30).toMillis()));

    for (String bad : new String[] {"6d", "-1", "never"}) {
      Map<String, String> m = minimal();
      m.put("topics.task-status-retention", bad);
      assertThatThrownBy(() -> KafkaSettings.from(Settings.of(m)))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("topics.task-status-retention");
    }
  }

  private static String statusRetentionMs(KafkaSettings k) {
    return k.topicSpecs(Set.of(k.topicNames().taskStatus())).get(0).configs().get("retention.ms");
  }
}
