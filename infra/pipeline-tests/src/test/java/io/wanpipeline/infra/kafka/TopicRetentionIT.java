package io.wanpipeline.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The retention of every pipeline topic as the broker reports it (describeConfigs): money and
 * lifecycle records are never deleted by time, the submission queue never expires a waiting
 * request, and topics created before those rules get them at the next start.
 */
@ExtendWith(KafkaBroker.class)
class TopicRetentionIT {
  private static final String FOREVER = "-1";
  private static final String WEEK = String.valueOf(Duration.ofDays(7).toMillis());

  @Test
  void createsMoneyLifecycleAndQueueTopicsWithoutTimeBasedDeletion(KafkaBroker.Info kafka) {
    TopicNames names = TopicNames.withPrefix(kafka.uniqueName("ret") + ".");
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      TopicProvisioner.ensure(admin, TopicSpec.pipeline(names, 2, (short) 1));
      Map<String, Config> configs = describe(admin, allOf(names));

      assertRetention(configs, names.billingCharges(), "compact", FOREVER);
      assertRetention(configs, names.billingTotals(), "compact", FOREVER);
      assertRetention(configs, names.billingUnpriced(), "compact", FOREVER);
      assertRetention(configs, names.wanPrices(), "compact", FOREVER);
      assertRetention(configs, names.taskStatus(), "delete", FOREVER);
      assertRetention(configs, names.submissionQueue(), "delete", FOREVER);
      assertRetention(configs, names.videoRequestsDlq(), "delete", FOREVER);
      assertRetention(configs, names.pollerDlq(), "delete", FOREVER);
      assertRetention(configs, names.billingDlq(), "delete", FOREVER);
      assertRetention(configs, names.statusDlq(), "delete", FOREVER);
      assertRetention(configs, names.videoRequests(), "delete", WEEK);
      assertRetention(configs, names.submissions(), "compact,delete", WEEK);
      assertRetention(configs, names.submissionDispatch(), "compact,delete", WEEK);
    }
  }

  @Test
  void givesTopicsCreatedBeforeTheRetentionRulesTheirRetentionAtTheNextStart(KafkaBroker.Info kafka)
      throws Exception {
    TopicNames names = TopicNames.withPrefix(kafka.uniqueName("old") + ".");
    Map<String, String> oldWeek = Map.of("retention.ms", WEEK);
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      // As the earlier releases created them: charges and status on the broker's default
      // (delete), the queue deleted after a week.
      admin
          .createTopics(
              List.of(
                  new NewTopic(names.billingCharges(), 2, (short) 1)
                      .configs(Map.of("cleanup.policy", "delete", "retention.ms", WEEK)),
                  new NewTopic(names.taskStatus(), 2, (short) 1).configs(oldWeek),
                  new NewTopic(names.submissionQueue(), 2, (short) 1).configs(oldWeek)))
          .all()
          .get();

      TopicProvisioner.ensure(admin, TopicSpec.pipeline(names, 2, (short) 1));

      // The broker serves altered configs once its metadata has caught up.
      List<String> old =
          List.of(names.billingCharges(), names.taskStatus(), names.submissionQueue());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                Map<String, Config> configs = describe(admin, old);
                assertRetention(configs, names.billingCharges(), "compact", FOREVER);
                assertRetention(configs, names.taskStatus(), "delete", FOREVER);
                assertRetention(configs, names.submissionQueue(), "delete", FOREVER);
              });
    }
  }

  static List<String> allOf(TopicNames names) {
    return List.of(
        names.videoRequests(),
        names.videoRequestsDlq(),
        names.taskStatus(),
        names.pollerDlq(),
        names.billingDlq(),
        names.statusDlq(),
        names.billingCharges(),
        names.billingTotals(),
        names.billingUnpriced(),
        names.wanPrices(),
        names.submissions(),
        names.submissionQueue(),
        names.submissionDispatch());
  }

  /** The configs of {@code topics}, once the broker knows them all (creation is asynchronous). */
  static Map<String, Config> describe(Admin admin, Collection<String> topics) {
    List<ConfigResource> resources =
        topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    return await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () ->
                admin.describeConfigs(resources).all().get().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().name(), Map.Entry::getValue)),
            m -> m.size() == resources.size());
  }

  static void assertRetention(
      Map<String, Config> configs, String topic, String cleanupPolicy, String retentionMs) {
    Config config = configs.get(topic);
    assertThat(config.get("cleanup.policy").value())
        .as("%s cleanup.policy", topic)
        .isEqualTo(cleanupPolicy);
    assertThat(config.get("retention.ms").value())
        .as("%s retention.ms", topic)
        .isEqualTo(retentionMs);
  }
}
