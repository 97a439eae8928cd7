package io.wanpipeline.infra.chaos;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.submitter.SubmitterMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The pipeline's services as child JVMs for the fault suite: one properties file per service
 * (settings shared by all plus its own), provider API keys and other secrets in the environment, a
 * log file and a stable instance id, transactional id and state directory per instance, so that a
 * restart from the same {@link ServiceProcess} fences its predecessor.
 */
final class ServiceSpecs {
  private static final List<String> CHILD_JVM_OPTIONS =
      List.of(
          "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true");

  /**
   * Where the services find the cluster, the registry, the topics and the provider.
   *
   * @param bootstrap the brokers
   * @param registryUrl the schema registry
   * @param topicPrefix prefix of every topic name
   * @param partitions partitions of every topic
   * @param replicationFactor replicas of every topic
   * @param sessionTimeout Kafka session timeout: how soon a dead or frozen member loses its
   *     partitions
   * @param providerBaseUrl base URL of every provider account
   * @param capacity in-progress cap of every (account, model)
   * @param queryBudget query calls per second of every account
   * @param apiKey the API key of an account
   */
  record Environment(
      String bootstrap,
      String registryUrl,
      String topicPrefix,
      int partitions,
      int replicationFactor,
      Duration sessionTimeout,
      String providerBaseUrl,
      int capacity,
      int queryBudget,
      UnaryOperator<String> apiKey) {}

  /**
   * The archive's S3 server.
   *
   * @param endpoint its URL
   * @param accessKey its access key id
   * @param secretKey its secret key (passed in the environment)
   * @param bucket the archive bucket
   * @param linkSettings the simulator's settings for fetching its https result links
   */
  record Archive(
      URI endpoint,
      String accessKey,
      String secretKey,
      String bucket,
      Map<String, String> linkSettings) {}

  private final Path dir;
  private final Map<String, String> common;
  private final Map<String, String> apiKeys = new HashMap<>();

  /** Services writing their files and logs to {@code dir}. */
  ServiceSpecs(Path dir, Environment env) {
    this.dir = dir;
    this.common = commonSettings(env);
    for (FaultRequests.Account account : FaultRequests.ACCOUNTS) {
      apiKeys.put(
          Settings.envName("provider." + account.name() + ".api-key"),
          env.apiKey().apply(account.name()));
    }
  }

  private static Map<String, String> commonSettings(Environment env) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("kafka.bootstrap.servers", env.bootstrap());
    s.put("kafka.session.timeout.ms", Long.toString(env.sessionTimeout().toMillis()));
    s.put("kafka.heartbeat.interval.ms", "1500");
    s.put("schema-registry.url", env.registryUrl());
    s.put("topics.prefix", env.topicPrefix());
    s.put("topics.partitions", Integer.toString(env.partitions()));
    s.put("topics.replication-factor", Integer.toString(env.replicationFactor()));
    s.put(
        "provider.accounts",
        FaultRequests.ACCOUNTS.stream()
            .map(FaultRequests.Account::name)
            .collect(Collectors.joining(",")));
    for (FaultRequests.Account account : FaultRequests.ACCOUNTS) {
      String p = "provider." + account.name() + ".";
      s.put(p + "dialect", account.dialect());
      s.put(p + "base-url", env.providerBaseUrl());
      s.put(p + "query-rate", Integer.toString(env.queryBudget()));
      for (String model : account.models()) {
        s.put(p + "model." + model + ".max-in-progress", Integer.toString(env.capacity()));
      }
    }
    return s;
  }

  /** Submitter {@code instance} of consumer group {@code group}. */
  ServiceProcess submitter(String group, String instance) {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("submitter.group-id", group);
    s.put("submitter.instance-id", "submitter-" + instance);
    // The 2-minute provider outage doubles the create backoff up to its 60 s default, so the suite
    // would idle up to a minute after the outage ends; the suite proves what happens, not the
    // production pacing, so it caps the backoff at 10 s (the checks are unchanged).
    s.put("submitter.backoff.max", "10s");
    return service("submitter-" + instance, SubmitterMain.class.getName(), s, Map.of());
  }

  /** Poller {@code instance} of Streams application {@code application}. */
  ServiceProcess poller(String application, String instance) {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("poller.application-id", application);
    // A stable state directory keeps the Streams process id, so a restart fences its zombie.
    s.put("poller.state-dir", dir.resolve("poller-" + instance + "-state").toString());
    // as the submitter's: the outage's 503s on queries back the polls off up to 60 s by default
    s.put("poller.backoff.max", "10s");
    return service("poller-" + instance, PollerMain.class.getName(), s, Map.of());
  }

  /** Archiver {@code instance} of consumer group {@code group}, writing to {@code archive}. */
  ServiceProcess archiver(String group, String instance, Archive archive) {
    Map<String, String> s = new LinkedHashMap<>(common);
    Map<String, String> secrets = new HashMap<>();
    s.put("archiver.group-id", group);
    // A stable transactional id per instance: a restart fences its killed predecessor and aborts
    // the transaction it left open at once. With the default (a random id per start) that
    // transaction stays open until transaction.timeout.ms (60 s) and holds back every
    // read_committed reader of task-status: pollers, billing and the other archiver.
    s.put("archiver.transactional-id", group + "-" + instance);
    s.put("archiver.bucket", archive.bucket());
    s.put("archiver.shutdown-grace", "5s");
    s.put("s3.endpoint", archive.endpoint().toString());
    s.put("s3.path-style", "true");
    secrets.put("s3.access-key-id", archive.accessKey());
    secrets.put("s3.secret-access-key", archive.secretKey());
    // https links on 127.0.0.1 with the simulator's self-signed certificate; the password is a
    // secret, so it goes to the environment.
    archive.linkSettings().forEach((k, v) -> (k.endsWith("password") ? secrets : s).put(k, v));
    return service("archiver-" + instance, ArchiverMain.class.getName(), s, secrets);
  }

  /** Billing {@code instance} of Streams application {@code application}. */
  ServiceProcess billing(String application, String instance) {
    Map<String, String> s = new LinkedHashMap<>(common);
    s.put("billing.application-id", application);
    // Exactly-once (billing's only mode) with the bundled price file; a stable state directory
    // keeps the Streams process id across restarts, as for the pollers.
    s.put("billing.state-dir", dir.resolve("billing-" + instance + "-state").toString());
    return service("billing-" + instance, BillingMain.class.getName(), s, Map.of());
  }

  /** A child service: settings in a properties file, API keys and secrets in the environment. */
  private ServiceProcess service(
      String name, String mainClass, Map<String, String> settings, Map<String, String> secrets) {
    Path file = dir.resolve(name + ".properties");
    Properties properties = new Properties();
    properties.putAll(settings);
    properties.putIfAbsent("management.port", "0"); // a free port: many services per machine
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      properties.store(w, "fault suite " + name);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
    Map<String, String> env = new HashMap<>(apiKeys);
    secrets.forEach((k, v) -> env.put(Settings.envName(k), v));
    return new ServiceProcess(
        new ChildJvm.Spec(
            name,
            System.getProperty("java.class.path"),
            CHILD_JVM_OPTIONS,
            mainClass,
            List.of(file.toString()),
            dir,
            dir.resolve(name + ".log"),
            env));
  }
}
