package io.wanpipeline.infra.testing;

import io.wanpipeline.infra.kafka.KafkaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * JUnit 5 extension that gives tests a real Kafka broker: one per test JVM, started on first use
 * and stopped when the JVM's tests are done. Tests take a {@link Info} parameter and isolate
 * themselves with {@link Info#uniqueName unique topic names and group ids}.
 *
 * <p>The broker is a single-node KRaft broker in a child JVM ({@link KafkaProcess}, the local
 * stack's broker: Kafka's own {@code kafka.Kafka} main, data in a temporary directory deleted at
 * the end), or a Testcontainers {@code apache/kafka} container when a Docker engine is available.
 * The system property {@code kafka.fixture} ({@code embedded} or {@code container}) forces the
 * choice. The child JVM exits with this one even when it is killed (it watches its parent).
 */
public final class KafkaBroker implements BeforeAllCallback, ParameterResolver {
  /** System property that forces the broker kind: {@code embedded} or {@code container}. */
  public static final String KIND_PROPERTY = "kafka.fixture";

  /** How long the broker of a test JVM may take to start. */
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

  /** The container image used when the broker runs in Docker. */
  public static final String IMAGE = "apache/kafka:4.4.0";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaBroker.class);

  /** Where the broker runs. */
  public enum Kind {
    /** In a child JVM of this one, started by the tests ({@link KafkaProcess}). */
    EMBEDDED,
    /** In a Docker container started by Testcontainers. */
    CONTAINER
  }

  /**
   * The shared broker as tests see it.
   *
   * @param bootstrapServers the {@code bootstrap.servers} value
   * @param kind where the broker runs
   */
  public record Info(String bootstrapServers, Kind kind) {
    /**
     * A name nobody else in this broker uses: {@code base}, a dash and eight random hex digits. Use
     * it for topics, group ids, transactional ids and application ids.
     */
    public String uniqueName(String base) {
      return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Client configuration with just {@code bootstrap.servers}, to add to. */
    public Map<String, Object> clientConfig() {
      return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }
  }

  private interface Handle extends AutoCloseable {
    Info info();

    @Override
    void close();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    handle(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Info.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return handle(context).info();
  }

  /** The shared broker, started if this is its first use in the JVM. */
  public static Info info(ExtensionContext context) {
    return handle(context).info();
  }

  private static Handle handle(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent("broker", key -> start(), Handle.class);
  }

  private static Handle start() {
    String forced = System.getProperty(KIND_PROPERTY, "auto").toLowerCase(Locale.ROOT);
    Kind kind =
        switch (forced) {
          case "embedded" -> Kind.EMBEDDED;
          case "container" -> Kind.CONTAINER;
          case "auto" -> dockerAvailable() ? Kind.CONTAINER : Kind.EMBEDDED;
          default ->
              throw new IllegalArgumentException(
                  "-D" + KIND_PROPERTY + " must be embedded or container, not " + forced);
        };
    try {
      return kind == Kind.CONTAINER ? container() : embedded();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the " + kind + " Kafka broker", e);
    }
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static Handle embedded() throws Exception {
    Path dataDir = Files.createTempDirectory("wan-test-kafka-");
    KafkaProcess kafka;
    try {
      KafkaProcess.Settings defaults = KafkaProcess.Settings.of(dataDir);
      // A test JVM may start its broker while the fault suite's cluster loads both cores: give
      // the start three minutes, not the local stack's one (a fast start is not slowed by it).
      kafka =
          KafkaProcess.start(
              new KafkaProcess.Settings(
                  dataDir,
                  0,
                  0,
                  defaults.jvmOptions(),
                  START_TIMEOUT,
                  defaults.brokerOverrides(),
                  defaults.classpath()));
    } catch (Exception e) {
      delete(dataDir);
      throw e;
    }
    Info info = new Info(kafka.bootstrapServers(), Kind.EMBEDDED);
    return new Handle() {
      @Override
      public Info info() {
        return info;
      }

      @Override
      public void close() {
        kafka.close();
        delete(dataDir);
      }
    };
  }

  /** Deletes the broker's data directory; what cannot be deleted stays in the temp directory. */
  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }

  private static Handle container() {
    KafkaContainer container = new KafkaContainer(IMAGE);
    container.start();
    Info info = new Info(container.getBootstrapServers(), Kind.CONTAINER);
    return new Handle() {
      @Override
      public Info info() {
        return info;
      }

      @Override
      public void close() {
        container.stop();
      }
    };
  }
}
