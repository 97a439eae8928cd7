package io.wanpipeline.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.junit.jupiter.api.Test;

class TopicProvisionerTest {
  private static final TopicSpec CHARGES =
      new TopicSpec(
          "billing-charges",
          6,
          (short) 3,
          Map.of("cleanup.policy", "compact", "retention.ms", "-1", "min.insync.replicas", "2"));

  private static Config config(String cleanupPolicy, String retentionMs, String minIsr) {
    return new Config(
        List.of(
            new ConfigEntry("cleanup.policy", cleanupPolicy),
            new ConfigEntry("retention.ms", retentionMs),
            new ConfigEntry("min.insync.replicas", minIsr)));
  }

  private static Map<String, String> set(List<AlterConfigOp> ops) {
    assertThat(ops).allMatch(op -> op.opType() == AlterConfigOp.OpType.SET);
    return ops.stream()
        .collect(
            java.util.stream.Collectors.toMap(
                op -> op.configEntry().name(), op -> op.configEntry().value()));
  }

  @Test
  void setsOnlyTheRetentionConfigsThatDiffer() {
    assertThat(set(TopicProvisioner.changes(CHARGES, config("delete", "604800000", "1"))))
        .as("min.insync.replicas is the operator's, left alone")
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("cleanup.policy", "compact", "retention.ms", "-1"));
    assertThat(TopicProvisioner.changes(CHARGES, config("compact", "-1", "1"))).isEmpty();
  }

  @Test
  void readsCleanupPoliciesAsASet() {
    TopicSpec ledger =
        new TopicSpec(
            "ledger",
            6,
            (short) 3,
            Map.of("cleanup.policy", "compact,delete", "retention.ms", "604800000"));
    assertThat(TopicProvisioner.changes(ledger, config("delete, compact", "604800000", "2")))
        .isEmpty();
    assertThat(set(TopicProvisioner.changes(ledger, config("compact", "604800000", "2"))))
        .containsExactly(Map.entry("cleanup.policy", "compact,delete"));
  }
}
