package io.wanpipeline.submitter;

import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.SchemaContract;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.ServiceRunner;
import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import io.wanpipeline.schemas.topics.TopicNames;
import io.wanpipeline.schemas.topics.TopicProvisioner;
import io.wanpipeline.schemas.topics.TopicSpec;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.reconcile.ListQueryReconciler;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.WanClients;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Runs the submitter: {@code SubmitterMain [config.properties]}; environment variables {@code
 * WAN_PIPELINE_*} override the file, secrets come from the environment or files.
 */
public final class SubmitterMain {
  private SubmitterMain() {}

  /** Starts the service and blocks until the JVM shuts down. */
  public static void main(String[] args) throws InterruptedException {
    ServiceRunner.run("submitter", args, SubmitterMain::create);
  }

  /**
   * Builds the submitter from {@code settings} as this main runs it (topics provisioned, provider
   * clients made); not started. The local stack uses the same factory.
   */
  public static SubmitterService create(Settings settings, Clock clock) {
    SubmitterConfig config = SubmitterConfig.from(settings);
    KafkaSettings kafka = config.kafka();
    SchemaRegistryClient registry = kafka.registry().client();
    Topics topics = new Topics(kafka.topicNames(), registry);
    TopicNames n = kafka.topicNames();
    // The topics the submitter reads and writes, created when missing and given their retention
    // when they exist; the ledgers with the configured dedupe retention.
    Set<String> mine =
        Set.of(
            n.videoRequests(),
            n.videoRequestsDlq(),
            n.requestCommands(),
            n.taskStatus(),
            n.submissions(),
            n.submissionQueue(),
            n.submissionDispatch());
    SchemaContract.enforce(
        kafka.registry(),
        Map.of(
            SchemaContract.valueSubject(n.videoRequests()), VideoRequest.getClassSchema(),
            SchemaContract.valueSubject(n.requestCommands()), RequestCommand.getClassSchema(),
            SchemaContract.valueSubject(n.taskStatus()), TaskStatus.getClassSchema()));
    TopicProvisioner.ensure(
        kafka.clientConfig(),
        TopicSpec.pipeline(
                n,
                kafka.partitions(),
                kafka.replicationFactor(),
                kafka.topicRetention().withDedupe(config.dedupeRetention()))
            .stream()
            .filter(spec -> mine.contains(spec.name()))
            .toList());
    // One client per account, shared by the dispatcher's create calls and the reconciler's lists.
    Map<String, WanClient> clients = new ConcurrentHashMap<>();
    Function<ProviderAccount, WanClient> clientOf =
        account ->
            clients.computeIfAbsent(account.name(), name -> WanClients.forAccount(account, clock));
    return new SubmitterService(
        config, clock, topics, registry, clientOf, reconciler(config, clientOf, clock));
  }

  /** The reconciler of in-doubt requests that {@code submitter.reconcile} chooses. */
  static InDoubtReconciler reconciler(
      SubmitterConfig config, Function<ProviderAccount, WanClient> clients, Clock clock) {
    return switch (config.reconcile()) {
      case NONE -> InDoubtReconciler.none();
      case LIST -> ListQueryReconciler.withDefaults(clients, clock);
    };
  }
}
