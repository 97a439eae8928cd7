package io.wanpipeline.poller;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.SchemaContract;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.ServiceRunner;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.account.WanClients;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * Runs the poller: {@code PollerMain [config.properties]}; environment variables {@code
 * WAN_PIPELINE_*} override the file, secrets come from the environment or files.
 */
public final class PollerMain {
  private PollerMain() {}

  /** Starts the service and blocks until the JVM shuts down. */
  public static void main(String[] args) throws InterruptedException {
    ServiceRunner.run("poller", args, PollerMain::create);
  }

  /**
   * Builds the poller from {@code settings} as this main runs it (topics provisioned, provider
   * clients made); not started. The local stack uses the same factory.
   */
  public static PollerService create(Settings settings, Clock clock) {
    PollerConfig config = PollerConfig.from(settings);
    KafkaSettings kafka = config.kafka();
    SchemaRegistryClient registry = kafka.registry().client();
    Topics topics = new Topics(kafka.topicNames(), registry);
    // The topic the poller reads and writes, and its dead-letter topic, created when missing.
    SchemaContract.enforce(
        kafka.registry(),
        Map.of(
            SchemaContract.valueSubject(kafka.topicNames().taskStatus()),
            TaskStatus.getClassSchema()));
    TopicProvisioner.ensure(
        kafka.clientConfig(),
        kafka.topicSpecs(
            Set.of(
                kafka.topicNames().taskStatus(),
                kafka.topicNames().pollerDlq(),
                kafka.topicNames().requestCommands())));
    return new PollerService(
        config, clock, topics, registry, account -> WanClients.forAccount(account, clock));
  }
}
