package io.wanpipeline.infra.registry;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Confluent-compatible schema registry for the local stack and tests, Avro only, whose state
 * lives in a compacted Kafka topic ({@value #DEFAULT_TOPIC} by default, created if missing).
 *
 * <p>On start it reads the topic to its end; every change is written to the topic ({@code
 * acks=all}, in a transaction) and answered only once committed and read back, so an instance
 * started later on the same topic, or running beside this one, serves the same ids. Ids are global,
 * start at 1 and are deduplicated on the schema's canonical text.
 *
 * <p>One instance writes at a time: writing makes an instance the writer and fences the previous
 * one, which takes the role back (after catching up with the topic) the next time it writes.
 * Endpoints and answers follow Confluent's REST API: {@code /subjects}, {@code /schemas/ids},
 * {@code /compatibility}, {@code /config}; JSON and Protobuf schemas are answered 422.
 */
public final class LocalSchemaRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);

  /** The schema topic used when none is given, as in Confluent's registry. */
  public static final String DEFAULT_TOPIC = "_schemas";

  private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

  private final String topic;
  private final SchemaTopic schemaTopic;
  private final Server server;
  private final String host;
  private final int port;

  /**
   * Reads the schema topic to its end and serves on 127.0.0.1.
   *
   * @param bootstrapServers the Kafka cluster holding the schema topic
   * @param topic the schema topic, created (compacted, one partition) if missing
   * @param port HTTP port; 0 picks a free one
   * @throws IllegalStateException if Kafka or the port cannot be reached in time
   */
  public LocalSchemaRegistry(String bootstrapServers, String topic, int port) {
    this(bootstrapServers, topic, "127.0.0.1", port);
  }

  /**
   * Reads the schema topic to its end and serves on {@code host}.
   *
   * @param host interface to listen on, for example {@code 0.0.0.0}
   */
  public LocalSchemaRegistry(String bootstrapServers, String topic, String host, int port) {
    this(bootstrapServers, topic, host, port, null);
  }

  /**
   * Reads the schema topic to its end and serves on {@code host}, answering 401 to any request
   * without HTTP basic authentication as {@code basicAuthUserInfo} ({@code user:password}), as a
   * Confluent registry behind basic authentication does; null for no authentication.
   */
  public LocalSchemaRegistry(
      String bootstrapServers, String topic, String host, int port, String basicAuthUserInfo) {
    this.topic = topic;
    long started = System.nanoTime();
    RegistryState state = new RegistryState();
    schemaTopic = new SchemaTopic(bootstrapServers, topic, state, KAFKA_TIMEOUT);
    QueuedThreadPool threads = new QueuedThreadPool(16, 2);
    threads.setName("schema-registry-http");
    server = new Server(threads);
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(
        new RegistryApi(
            state,
            new RegistryCommands(state, schemaTopic, topic),
            basicAuthUserInfo == null
                ? null
                : "Basic "
                    + java.util.Base64.getEncoder()
                        .encodeToString(
                            basicAuthUserInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    try {
      schemaTopic.start();
      server.start();
    } catch (Exception e) {
      closeQuietly();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(
          "schema registry on topic " + topic + " failed to start: " + e.getMessage(), e);
    }
    this.host = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
    this.port = connector.getLocalPort();
    LOG.info(
        "schema registry ready url={}, topic={}, subjects={}, maxId={}, tookMs={}",
        url(),
        topic,
        state.subjects(false).size(),
        state.maxId(),
        (System.nanoTime() - started) / 1_000_000);
  }

  /** The registry's base URL, {@code http://<host>:<port>}, without a trailing slash. */
  public String url() {
    return "http://" + host + ":" + port;
  }

  /** The HTTP port. */
  public int port() {
    return port;
  }

  /** The schema topic. */
  public String topic() {
    return topic;
  }

  /** Stops serving and closes the Kafka clients; the topic keeps the state. */
  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("stopping the schema registry server failed topic={}", topic, e);
    }
    schemaTopic.close();
  }

  /**
   * Runs a registry until the JVM is stopped.
   *
   * @param args {@code <bootstrap servers> [topic, default _schemas] [port, default 8081] [host,
   *     default 127.0.0.1]}
   */
  public static void main(String[] args) throws InterruptedException {
    if (args.length < 1 || args.length > 4) {
      System.err.println(
          "usage: LocalSchemaRegistry <bootstrap servers> [topic=_schemas] [port=8081]"
              + " [host=127.0.0.1]");
      System.exit(2);
    }
    String topic = args.length > 1 ? args[1] : DEFAULT_TOPIC;
    int port = args.length > 2 ? Integer.parseInt(args[2]) : 8081;
    String host = args.length > 3 ? args[3] : "127.0.0.1";
    LocalSchemaRegistry registry = new LocalSchemaRegistry(args[0], topic, host, port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  registry.close();
                  stopped.countDown();
                },
                "schema-registry-shutdown"));
    System.out.println("schema registry serving at " + registry.url() + " on topic " + topic);
    stopped.await();
  }
}
