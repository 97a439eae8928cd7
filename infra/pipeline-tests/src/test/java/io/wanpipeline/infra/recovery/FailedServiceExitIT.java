package io.wanpipeline.infra.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.process.FreePort;
import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.ServiceRunner;
import io.wanpipeline.submitter.SubmitterMain;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service that cannot work takes its process down: each service's real main, run as its own JVM
 * against a real broker, with the schema registry URL on a closed loopback port, must exit with
 * {@link ServiceRunner#FAILED_STATUS} within {@link #EXIT_BOUND} of its start, with the cause in
 * its log, never stay up doing nothing. The submitter and billing cannot hold their public subjects
 * to the contract's compatibility policy ({@code SchemaContract}) at start. The archiver and the
 * poller get a registry that answers, so that what kills them is a fault of their work itself: a
 * transaction timeout above the broker's {@code transaction.max.timeout.ms} makes the archiver
 * loop's {@code initTransactions} fail, and the poller's stream threads die on it until the client
 * is shut down.
 */
@ExtendWith(KafkaBroker.class)
class FailedServiceExitIT {
  private static final Logger LOG = LoggerFactory.getLogger(FailedServiceExitIT.class);

  /** From the child's start (JVM boot included) to its exit. */
  private static final Duration EXIT_BOUND = Duration.ofSeconds(60);

  /** Above the broker's default transaction.max.timeout.ms (15 min). */
  private static final String TRANSACTION_TIMEOUT_ABOVE_THE_BROKERS_MAX = "3600000";

  private static final List<String> CHILD_JVM_OPTIONS =
      List.of(
          "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true");

  @Test
  void everyServiceThatCannotWorkExitsWithStatus70AndItsCauseInItsLog(KafkaBroker.Info kafka)
      throws Exception {
    Path dir = Path.of("target", "failed-exit", kafka.uniqueName("run")).toAbsolutePath();
    Files.createDirectories(dir);
    String closed = "http://127.0.0.1:" + FreePort.pick();
    Map<String, String> common = new LinkedHashMap<>();
    common.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    common.put("schema-registry.url", closed);
    common.put("topics.prefix", kafka.uniqueName("exit") + ".");
    common.put("topics.partitions", "1");
    common.put("provider.accounts", "default");
    common.put("provider.default.base-url", closed);

    Map<String, String> submitter = new LinkedHashMap<>(common);
    submitter.put("submitter.group-id", kafka.uniqueName("exit-submitter"));
    submitter.put("submitter.instance-id", "submitter-1");

    Map<String, String> billing = new LinkedHashMap<>(common);
    billing.put("billing.application-id", kafka.uniqueName("exit-billing"));
    billing.put("billing.instance-id", "billing-1");
    billing.put("billing.state-dir", dir.resolve("billing-state").toString());

    LocalSchemaRegistry registry =
        new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0);
    Map<String, String> archiver = new LinkedHashMap<>(common);
    archiver.put("schema-registry.url", registry.url());
    archiver.put("archiver.group-id", kafka.uniqueName("exit-archiver"));
    archiver.put("archiver.instance-id", "archiver-1");
    archiver.put("archiver.bucket", "never-reached");
    archiver.put("s3.endpoint", closed);
    archiver.put("s3.path-style", "true");
    archiver.put("kafka.transaction.timeout.ms", TRANSACTION_TIMEOUT_ABOVE_THE_BROKERS_MAX);

    Map<String, String> poller = new LinkedHashMap<>(common);
    poller.put("schema-registry.url", registry.url());
    poller.put("poller.application-id", kafka.uniqueName("exit-poller"));
    poller.put("poller.instance-id", "poller-1");
    poller.put("poller.state-dir", dir.resolve("poller-state").toString());
    poller.put("kafka.transaction.timeout.ms", TRANSACTION_TIMEOUT_ABOVE_THE_BROKERS_MAX);

    List<Child> children =
        List.of(
            new Child("submitter", SubmitterMain.class, submitter, "ConnectException"),
            new Child("billing", BillingMain.class, billing, "ConnectException"),
            new Child("archiver", ArchiverMain.class, archiver, "transaction.max.timeout.ms"),
            new Child("poller", PollerMain.class, poller, "transaction.max.timeout.ms"));
    List<CompletableFuture<Long>> exits = new ArrayList<>();
    try {
      for (Child c : children) {
        exits.add(c.start(dir));
      }
      try {
        CompletableFuture.allOf(exits.toArray(new CompletableFuture<?>[0]))
            .get(EXIT_BOUND.toSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // Reported per child below.
      }
      Map<String, Long> exitMillis = new LinkedHashMap<>();
      for (int i = 0; i < children.size(); i++) {
        Child c = children.get(i);
        assertThat(exits.get(i).isDone())
            .as("%s exited within %s of its start; log %s", c.name, EXIT_BOUND, c.log)
            .isTrue();
        exitMillis.put(c.name, exits.get(i).get());
        assertThat(c.jvm.exit().get())
            .as("exit status of %s; log %s", c.name, c.log)
            .isEqualTo(ServiceRunner.FAILED_STATUS);
        String log = Files.readString(c.log, StandardCharsets.UTF_8);
        assertThat(log)
            .as("%s logs that it exits, with the cause; log %s", c.name, c.log)
            .contains("exiting with status=" + ServiceRunner.FAILED_STATUS)
            .contains(c.cause);
      }
      LOG.info("time from start to exit (ms): {}", exitMillis);
    } finally {
      for (Child c : children) {
        if (c.jvm != null && c.jvm.isAlive()) {
          c.jvm.kill();
        }
      }
      registry.close();
    }
  }

  /** A service's main in its own JVM: settings in a properties file, secrets in the environment. */
  private static final class Child {
    final String name;
    final Class<?> main;
    final Map<String, String> settings;
    final String cause;
    Path log;
    ChildJvm jvm;

    Child(String name, Class<?> main, Map<String, String> settings, String cause) {
      this.name = name;
      this.main = main;
      this.settings = settings;
      this.cause = cause;
    }

    /** Starts the JVM; the future completes with the milliseconds from start to exit. */
    CompletableFuture<Long> start(Path dir) throws IOException {
      Path file = dir.resolve(name + ".properties");
      Properties properties = new Properties();
      properties.putAll(settings);
      properties.putIfAbsent("management.port", "0"); // a free port: four children at once
      try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        properties.store(w, "failed-exit test " + name);
      }
      Map<String, String> env = new HashMap<>();
      env.put(Settings.envName("provider.default.api-key"), "sk-never-used");
      env.put(Settings.envName("s3.access-key-id"), "never-used");
      env.put(Settings.envName("s3.secret-access-key"), "never-used");
      log = dir.resolve(name + ".log");
      long begin = System.nanoTime();
      jvm =
          ChildJvm.start(
              new ChildJvm.Spec(
                  name,
                  System.getProperty("java.class.path"),
                  CHILD_JVM_OPTIONS,
                  main.getName(),
                  List.of(file.toString()),
                  dir,
                  log,
                  env));
      return jvm.exit()
          .thenApply(status -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    }
  }
}
