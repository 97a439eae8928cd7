package io.wanpipeline.submitter;

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
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the submitter: {@code SubmitterMain [config.properties]}; environment variables {@code
 * WAN_PIPELINE_*} override the file, secrets come from the environment or files.
 */
public final class SubmitterMain {
  private static final Logger log = LoggerFactory.getLogger(SubmitterMain.class);

  private SubmitterMain() {}

  /** Starts the service and blocks until the JVM shuts down. */
  public static void main(String[] args) throws InterruptedException {
    Thread.setDefaultUncaughtExceptionHandler(
        (t, e) -> log.error("uncaught error in thread {}", t.getName(), e));
    Settings settings = Settings.load(args.length > 0 ? Path.of(args[0]) : null, System.getenv());
    SubmitterService service = create(settings, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.close();
                  stopped.countDown();
                },
                "submitter-shutdown"));
    service.start();
    stopped.await();
  }

  /**
   * Builds the submitter from {@code settings} as this main runs it (topics provisioned, provider
   * clients made); not started. The local stack uses the same factory.
   */
  public static SubmitterService create(Settings settings, Clock clock) {
    SubmitterConfig config = SubmitterConfig.from(settings);
    SchemaRegistryClient registry =
        SchemaRegistryClient.of(config.kafka().schemaRegistryUrl().toString());
    Topics topics = new Topics(config.kafka().topicNames(), registry);
    provision(config);
    return new SubmitterService(
        config, clock, topics, registry, account -> WanClients.forAccount(account, clock));
  }

  /** Creates the topics the submitter reads and writes when they are missing. */
  static void provision(SubmitterConfig config) {
    TopicNames n = config.kafka().topicNames();
    Set<String> mine =
        Set.of(n.videoRequests(), n.videoRequestsDlq(), n.taskStatus(), n.submissions());
    List<TopicSpec> specs =
        config.kafka().topicSpecs().stream().filter(s -> mine.contains(s.name())).toList();
    try (Admin admin = Admin.create(config.kafka().clientConfig())) {
      TopicProvisioner.ensure(admin, specs);
    }
  }
}
