package io.wanpipeline.archiver;

import io.wanpipeline.schemas.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.account.WanClients;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Runs the archiver: {@code ArchiverMain [config.properties]}; environment variables {@code
 * WAN_PIPELINE_*} override the file, secrets (provider keys, S3 credentials) come from the
 * environment or files.
 */
public final class ArchiverMain {
  private static final Logger log = LoggerFactory.getLogger(ArchiverMain.class);

  private ArchiverMain() {}

  /** Starts the service and blocks until the JVM shuts down. */
  public static void main(String[] args) throws InterruptedException {
    Thread.setDefaultUncaughtExceptionHandler(
        (t, e) -> log.error("Uncaught error: thread={}", t.getName(), e));
    Settings settings = Settings.load(args.length > 0 ? Path.of(args[0]) : null, System.getenv());
    ArchiverService service = create(settings, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.close();
                  stopped.countDown();
                },
                "archiver-shutdown"));
    service.start();
    stopped.await();
  }

  /**
   * Builds the archiver from {@code settings} as this main runs it (topics provisioned, provider
   * clients and S3 client made); not started. The local stack uses the same factory.
   */
  public static ArchiverService create(Settings settings, Clock clock) {
    ArchiverConfig config = ArchiverConfig.from(settings);
    TopicNames names = config.kafka().topicNames();
    Topics topics =
        new Topics(names, SchemaRegistryClient.of(config.kafka().schemaRegistryUrl().toString()));
    provision(config, names);
    S3AsyncClient s3 = S3Clients.create(config.s3());
    return new ArchiverService(
            config, clock, topics, account -> WanClients.forAccount(account, clock), s3)
        .owning(s3);
  }

  /** Creates the task-status topic (read and written by the archiver) when it is missing. */
  static void provision(ArchiverConfig config, TopicNames names) {
    List<TopicSpec> specs =
        config.kafka().topicSpecs().stream()
            .filter(s -> s.name().equals(names.taskStatus()))
            .toList();
    try (Admin admin = Admin.create(config.kafka().clientConfig())) {
      TopicProvisioner.ensure(admin, specs);
    }
  }
}
