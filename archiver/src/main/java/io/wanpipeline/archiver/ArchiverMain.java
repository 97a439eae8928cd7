package io.wanpipeline.archiver;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.SchemaContract;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.ServiceRunner;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.account.WanClients;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Runs the archiver: {@code ArchiverMain [config.properties]}; environment variables {@code
 * WAN_PIPELINE_*} override the file, secrets (provider keys, S3 credentials) come from the
 * environment or files.
 */
public final class ArchiverMain {
  private ArchiverMain() {}

  /** Starts the service and blocks until the JVM shuts down. */
  public static void main(String[] args) throws InterruptedException {
    ServiceRunner.run("archiver", args, ArchiverMain::create);
  }

  /**
   * Builds the archiver from {@code settings} as this main runs it (topics provisioned, provider
   * clients and S3 client made); not started. The local stack uses the same factory.
   */
  public static ArchiverService create(Settings settings, Clock clock) {
    ArchiverConfig config = ArchiverConfig.from(settings);
    KafkaSettings kafka = config.kafka();
    Topics topics = new Topics(kafka.topicNames(), kafka.registry().client());
    // The task-status topic (read and written by the archiver), created when missing.
    SchemaContract.enforce(
        kafka.registry(),
        Map.of(
            SchemaContract.valueSubject(kafka.topicNames().taskStatus()),
            TaskStatus.getClassSchema()));
    TopicProvisioner.ensure(
        kafka.clientConfig(), kafka.topicSpecs(Set.of(kafka.topicNames().taskStatus())));
    S3AsyncClient s3 = S3Clients.create(config.s3());
    return new ArchiverService(
            config, clock, topics, account -> WanClients.forAccount(account, clock), s3)
        .owning(s3);
  }
}
