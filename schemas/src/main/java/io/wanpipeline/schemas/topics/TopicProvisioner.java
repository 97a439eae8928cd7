package io.wanpipeline.schemas.topics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates missing topics and gives existing ones the retention of their definition.
 *
 * <p>Of an existing topic only the configs that decide whether records are deleted ({@link
 * TopicSpec#RETENTION_CONFIGS}: {@code cleanup.policy}, {@code retention.ms}) are changed, each
 * change logged at WARN with the old and the new value; partitions, replication and every other
 * config stay as they are. When the service may not alter configs (ACLs), it logs at ERROR the
 * command that would fix them and goes on.
 */
public final class TopicProvisioner {
  private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);
  private static final long TIMEOUT_SECONDS = 30;

  /** The pause before asking a broker again about a topic it does not know yet. */
  private static final long METADATA_RETRY_MILLIS = 200;

  private TopicProvisioner() {}

  /**
   * Ensures {@code specs} through an admin client made from {@code adminConfig} (Kafka client
   * settings) and closed before returning.
   */
  public static void ensure(Map<String, Object> adminConfig, Collection<TopicSpec> specs) {
    try (Admin admin = Admin.create(adminConfig)) {
      ensure(admin, specs);
    }
  }

  /**
   * Creates every topic of {@code specs} that does not exist yet, and sets the retention configs of
   * those that do where they differ from the definition.
   */
  public static void ensure(Admin admin, Collection<TopicSpec> specs) {
    try {
      Set<String> existing =
          new HashSet<>(admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      // A topic created meanwhile (by another service, or not yet listed) counts as existing.
      existing.addAll(
          create(admin, specs.stream().filter(s -> !existing.contains(s.name())).toList()));
      alignRetention(admin, specs.stream().filter(s -> existing.contains(s.name())).toList());
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list, create or configure topics: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating topics", e);
    }
  }

  /** Creates {@code missing}; returns the names of those that turned out to exist already. */
  private static Set<String> create(Admin admin, List<TopicSpec> missing)
      throws InterruptedException, TimeoutException {
    Set<String> existed = new HashSet<>();
    List<NewTopic> topics =
        missing.stream()
            .map(
                s ->
                    new NewTopic(s.name(), s.partitions(), s.replicationFactor())
                        .configs(s.configs()))
            .toList();
    for (var entry : admin.createTopics(topics).values().entrySet()) {
      try {
        entry.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException(
              "cannot create topic " + entry.getKey() + ": " + e.getCause().getMessage(), e);
        }
        existed.add(entry.getKey());
      }
    }
    return existed;
  }

  private static void alignRetention(Admin admin, List<TopicSpec> present)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (present.isEmpty()) {
      return;
    }
    Map<ConfigResource, TopicSpec> byResource = new HashMap<>();
    present.forEach(
        s -> byResource.put(new ConfigResource(ConfigResource.Type.TOPIC, s.name()), s));
    Map<ConfigResource, Config> current = describeOnceKnown(admin, byResource.keySet());
    Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
    for (var e : byResource.entrySet()) {
      List<AlterConfigOp> ops = changes(e.getValue(), current.get(e.getKey()));
      if (!ops.isEmpty()) {
        changes.put(e.getKey(), ops);
      }
    }
    if (changes.isEmpty()) {
      return;
    }
    for (var result : admin.incrementalAlterConfigs(changes).values().entrySet()) {
      String topic = result.getKey().name();
      Collection<AlterConfigOp> ops = changes.get(result.getKey());
      try {
        result.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        for (AlterConfigOp op : ops) {
          log.warn(
              "Topic retention changed to the pipeline's definition: topic={}, {}={} (was {})",
              topic,
              op.configEntry().name(),
              op.configEntry().value(),
              valueOf(current.get(result.getKey()), op.configEntry().name()));
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof AuthorizationException)) {
          throw e;
        }
        log.error(
            "Topic {} keeps a retention that can delete records the pipeline must keep, and this"
                + " service may not alter its configs; run: kafka-configs.sh --alter --entity-type"
                + " topics --entity-name {} --add-config {}",
            topic,
            topic,
            ops.stream()
                .map(op -> op.configEntry().name() + "=" + quoted(op.configEntry().value()))
                .collect(Collectors.joining(",")));
      }
    }
  }

  /**
   * The configs of {@code resources}, asked again while the broker does not know one of them yet: a
   * topic another service has just created (or this one, a moment ago) can be listed before every
   * broker's metadata has it, and then {@code describeConfigs} answers {@link
   * UnknownTopicOrPartitionException}. Gives up after {@value #TIMEOUT_SECONDS} s.
   */
  private static Map<ConfigResource, Config> describeOnceKnown(
      Admin admin, Collection<ConfigResource> resources)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      try {
        return admin.describeConfigs(resources).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
        log.info(
            "Topic metadata not on the broker yet, asking again: {}", e.getCause().getMessage());
        TimeUnit.MILLISECONDS.sleep(METADATA_RETRY_MILLIS);
      }
    }
  }

  /** The SET operations that give {@code config} the retention configs of {@code spec}. */
  static List<AlterConfigOp> changes(TopicSpec spec, Config config) {
    List<AlterConfigOp> ops = new ArrayList<>();
    for (String key : TopicSpec.RETENTION_CONFIGS) {
      String wanted = spec.configs().get(key);
      if (wanted != null && !same(key, wanted, valueOf(config, key))) {
        ops.add(new AlterConfigOp(new ConfigEntry(key, wanted), AlterConfigOp.OpType.SET));
      }
    }
    return ops;
  }

  private static boolean same(String key, String wanted, String actual) {
    if (actual == null) {
      return false;
    }
    if (key.equals("cleanup.policy")) {
      return policies(wanted).equals(policies(actual));
    }
    return wanted.trim().equals(actual.trim());
  }

  private static Set<String> policies(String value) {
    return Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(p -> !p.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static String valueOf(Config config, String key) {
    ConfigEntry entry = config == null ? null : config.get(key);
    return entry == null ? null : entry.value();
  }

  private static String quoted(String value) {
    return value.contains(",") ? "[" + value + "]" : value;
  }
}
