package io.wanpipeline.billing;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.SchemaContract;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.ServiceRunner;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.Topics;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

/** Runs the billing service: {@code billing [config.properties]}. */
public final class BillingMain {
  private BillingMain() {}

  /**
   * Starts the service and blocks until the JVM shuts down; args[0] is an optional properties file.
   */
  public static void main(String[] args) throws InterruptedException {
    ServiceRunner.run("billing", args, BillingMain::create);
  }

  /**
   * Builds billing from {@code settings} as this main runs it (owned topics provisioned); not
   * started. The local stack uses the same factory.
   */
  public static BillingService create(Settings settings, Clock clock) {
    BillingConfig config = BillingConfig.from(settings);
    KafkaSettings kafka = config.kafka();
    TopicNames names = kafka.topicNames();
    Topics topics = new Topics(names, kafka.registry().client());
    // Billing's own topics, created when missing.
    SchemaContract.enforce(
        kafka.registry(),
        Map.of(
            SchemaContract.valueSubject(names.billingCharges()), Charge.getClassSchema(),
            SchemaContract.valueSubject(names.billingTotals()), AccountTotal.getClassSchema(),
            SchemaContract.valueSubject(names.billingUnpriced()), TaskStatus.getClassSchema(),
            SchemaContract.valueSubject(names.wanPrices()), Price.getClassSchema()));
    TopicProvisioner.ensure(
        kafka.clientConfig(),
        kafka.topicSpecs(
            Set.of(
                names.billingCharges(),
                names.billingTotals(),
                names.billingUnpriced(),
                names.wanPrices(),
                names.billingDlq())));
    return new BillingService(config, clock, topics);
  }
}
