package io.wanpipeline.billing;

import io.wanpipeline.schemas.config.Settings;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the billing service: {@code billing [config.properties]}. */
public final class BillingMain {
  private static final Logger log = LoggerFactory.getLogger(BillingMain.class);

  private BillingMain() {}

  /** Entry point; args[0] is an optional properties file. */
  public static void main(String[] args) {
    Thread.setDefaultUncaughtExceptionHandler(
        (t, e) -> log.error("Uncaught error: thread={}", t.getName(), e));
    try {
      Settings settings = Settings.load(args.length > 0 ? Path.of(args[0]) : null, System.getenv());
      BillingService service = create(settings, Clock.systemUTC());
      Runtime.getRuntime().addShutdownHook(new Thread(service::close, "billing-shutdown"));
      service.start();
    } catch (RuntimeException e) {
      log.error("Billing failed to start", e);
      throw e;
    }
  }

  /**
   * Builds billing from {@code settings} as this main runs it (owned topics provisioned); not
   * started. The local stack uses the same factory.
   */
  public static BillingService create(Settings settings, Clock clock) {
    BillingConfig config = BillingConfig.from(settings);
    TopicNames names = config.kafka().topicNames();
    Topics topics =
        new Topics(names, SchemaRegistryClient.of(config.kafka().schemaRegistryUrl().toString()));
    provisionOwnedTopics(config, names);
    return new BillingService(config, clock, topics);
  }

  /** Creates billing's own topics if they are missing. */
  static void provisionOwnedTopics(BillingConfig config, TopicNames names) {
    Set<String> owned =
        Set.of(
            names.billingCharges(),
            names.billingTotals(),
            names.billingUnpriced(),
            names.wanPrices());
    List<TopicSpec> specs =
        config.kafka().topicSpecs().stream().filter(s -> owned.contains(s.name())).toList();
    try (Admin admin = Admin.create(config.kafka().clientConfig())) {
      TopicProvisioner.ensure(admin, specs);
    }
  }
}
