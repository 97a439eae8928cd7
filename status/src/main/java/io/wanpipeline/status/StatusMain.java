package io.wanpipeline.status;

import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.ServiceRunner;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.Topics;
import java.time.Clock;
import java.util.Set;

/** Runs the status view: {@code status [config.properties]}. */
public final class StatusMain {
  private StatusMain() {}

  /**
   * Starts the service and blocks until the JVM shuts down; args[0] is an optional properties file.
   */
  public static void main(String[] args) throws InterruptedException {
    ServiceRunner.run("status", args, StatusMain::create);
  }

  /**
   * Builds the status view from {@code settings} as this main runs it (the topic it reads and its
   * dead-letter topic provisioned); not started. The local stack uses the same factory.
   */
  public static StatusService create(Settings settings, Clock clock) {
    StatusConfig config = StatusConfig.from(settings);
    KafkaSettings kafka = config.kafka();
    TopicNames names = kafka.topicNames();
    TopicProvisioner.ensure(
        kafka.clientConfig(),
        // Billing's outputs too: the view reads them, and may start before billing.
        kafka.topicSpecs(
            Set.of(
                names.taskStatus(),
                names.statusDlq(),
                names.billingCharges(),
                names.billingTotals())));
    return new StatusService(config, clock, new Topics(names, kafka.registry().client()));
  }
}
