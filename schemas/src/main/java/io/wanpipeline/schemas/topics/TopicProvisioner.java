package io.wanpipeline.schemas.topics;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates missing topics; existing topics are left as they are. */
public final class TopicProvisioner {
  private TopicProvisioner() {}

  /**
   * Creates every topic of {@code specs} that does not exist yet, through an admin client made from
   * {@code adminConfig} (Kafka client settings) and closed before returning.
   */
  public static void ensure(Map<String, Object> adminConfig, Collection<TopicSpec> specs) {
    try (Admin admin = Admin.create(adminConfig)) {
      ensure(admin, specs);
    }
  }

  /** Creates every topic of {@code specs} that does not exist yet. */
  public static void ensure(Admin admin, Collection<TopicSpec> specs) {
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing =
          specs.stream()
              .filter(s -> !existing.contains(s.name()))
              .map(
                  s ->
                      new NewTopic(s.name(), s.partitions(), s.replicationFactor())
                          .configs(s.configs()))
              .toList();
      for (var entry : admin.createTopics(missing).values().entrySet()) {
        try {
          entry.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "cannot create topic " + entry.getKey() + ": " + e.getCause().getMessage(), e);
          }
        }
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list or create topics: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating topics", e);
    }
  }
}
