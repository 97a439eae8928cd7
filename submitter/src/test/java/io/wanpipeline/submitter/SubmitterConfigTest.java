package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;
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

  @Test
  void admissionDefaults() {
    SubmitterConfig c = SubmitterConfig.from(Settings.of(minimal()));
    assertThat(c.dedupeRetention()).isEqualTo(Duration.ofDays(7));
    assertThat(c.maxQueueWait()).isEqualTo(Duration.ofHours(24));
    assertThat(c.inProgressHorizon()).isEqualTo(Duration.ofMinutes(30));
    assertThat(c.dispatchMaxConcurrentCalls()).isEqualTo(16);
    assertThat(c.dispatchGroupId()).isEqualTo("wan-pipeline-submitter-dispatch");
    assertThat(c.reconcile()).isEqualTo(SubmitterConfig.Reconcile.LIST);
    assertThat(c.kafka().topicNames().submissionQueue()).isEqualTo("wan-pipeline-submission-queue");
    assertThat(c.kafka().topicNames().submissionDispatch())
        .isEqualTo("wan-pipeline-submission-dispatch");
  }

  @Test
  void readsAdmissionKeys() {
    Map<String, String> m = minimal();
    m.put("submitter.dedupe-retention", "48h");
    m.put("submitter.in-progress-horizon", "45m");
    m.put("submitter.max-queue-wait", "2h");
    m.put("submitter.dispatch.max-concurrent-calls", "4");
    m.put("submitter.reconcile", "none");
    SubmitterConfig c = SubmitterConfig.from(Settings.of(m));
    assertThat(c.dedupeRetention()).isEqualTo(Duration.ofHours(48));
    assertThat(c.inProgressHorizon()).isEqualTo(Duration.ofMinutes(45));
    assertThat(c.maxQueueWait()).isEqualTo(Duration.ofHours(2));
    assertThat(c.dispatchMaxConcurrentCalls()).isEqualTo(4);
    assertThat(c.reconcile()).isEqualTo(SubmitterConfig.Reconcile.NONE);
  }

  @Test
  void theDedupeRetentionMustOutliveTheProvidersTasks() {
    Map<String, String> m = minimal();
    m.put("submitter.dedupe-retention", "24h");
    assertThatThrownBy(() -> SubmitterConfig.from(Settings.of(m)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("submitter.dedupe-retention");
    Map<String, String> calls = minimal();
    calls.put("submitter.dispatch.max-concurrent-calls", "0");
    assertThatThrownBy(() -> SubmitterConfig.from(Settings.of(calls)))
        .hasMessageContaining("submitter.dispatch.max-concurrent-calls");
    Map<String, String> reconcile = minimal();
    reconcile.put("submitter.reconcile", "maybe");
    assertThatThrownBy(() -> SubmitterConfig.from(Settings.of(reconcile)))
        .hasMessageContaining("submitter.reconcile");
  }

  @Test
  void theMaxQueueWaitIsAtLeastAMinuteAndEndsBeforeTheDedupeRetention() {
    for (String[] kv :
        new String[][] {
          {"submitter.max-queue-wait", "30s"},
          {"submitter.max-queue-wait", "7d"},
          {"submitter.max-queue-wait", "0s"}
        }) {
      Map<String, String> m = minimal();
      m.put(kv[0], kv[1]);
      assertThatThrownBy(() -> SubmitterConfig.from(Settings.of(m)))
          .as(kv[0] + "=" + kv[1])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("submitter.max-queue-wait");
    }
    Map<String, String> shortDedupe = minimal();
    shortDedupe.put("submitter.dedupe-retention", "25h");
    assertThat(SubmitterConfig.from(Settings.of(shortDedupe)).maxQueueWait())
        .as("the default wait fits under the shortest dedupe retention")
        .isLessThan(Duration.ofHours(25));
  }
}
