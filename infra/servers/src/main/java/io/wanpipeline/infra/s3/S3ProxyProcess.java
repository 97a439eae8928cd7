package io.wanpipeline.infra.s3;

import io.wanpipeline.infra.process.ChildJvm;
import io.wanpipeline.infra.process.FreePort;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible server for the local stack and tests: s3proxy with its filesystem backend,
 * checking AWS signatures (V2 or V4) against one access key, running in a child JVM.
 *
 * <p>s3proxy's jar bundles its own Jetty and Jackson 3, so it never joins this JVM's class path:
 * the build copies it to {@code infra/target/s3proxy/s3proxy.jar} (see {@link #locateJar()}).
 * Buckets are directories under {@code buckets} in the data directory, kept across restarts.
 */
public final class S3ProxyProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(S3ProxyProcess.class);

  /** System property naming the s3proxy fat jar; overrides the location recorded at build time. */
  public static final String JAR_PROPERTY = "s3proxy.jar";

  private static final String JAR_RESOURCE = "s3proxy.properties";

  /**
   * How to run s3proxy.
   *
   * @param dataDir directory for buckets ({@code buckets}), the configuration and {@code
   *     s3proxy.log}; created if missing
   * @param accessKey the only access key id accepted
   * @param secretKey its secret; written only to a configuration file readable by its owner
   * @param port HTTP port on 127.0.0.1; 0 picks a free port at start
   * @param jvmOptions the child JVM's options, for example {@code -Xmx512m}
   * @param startTimeout how long a start may take before it fails
   * @param jar the s3proxy {@code jar-with-dependencies}
   */
  public record Settings(
      Path dataDir,
      String accessKey,
      String secretKey,
      int port,
      List<String> jvmOptions,
      Duration startTimeout,
      Path jar) {
    /** The default {@link #jvmOptions}: a 512 MiB heap and the serial collector. */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseSerialGC");

    public Settings {
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(accessKey, "accessKey");
      Objects.requireNonNull(secretKey, "secretKey");
      jvmOptions = List.copyOf(jvmOptions);
      Objects.requireNonNull(startTimeout, "startTimeout");
      Objects.requireNonNull(jar, "jar");
    }

    /**
     * Defaults: a free port, {@link #DEFAULT_JVM_OPTIONS}, 30 s start timeout, the jar from {@link
     * #locateJar}.
     */
    public static Settings of(Path dataDir, String accessKey, String secretKey) {
      return new Settings(
          dataDir,
          accessKey,
          secretKey,
          0,
          DEFAULT_JVM_OPTIONS,
          Duration.ofSeconds(30),
          locateJar());
    }

    /** These settings with a fixed port (0 for a free one). */
    public Settings withPort(int port) {
      return new Settings(dataDir, accessKey, secretKey, port, jvmOptions, startTimeout, jar);
    }

    @Override
    public String toString() {
      return "Settings[dataDir="
          + dataDir
          + ", accessKey="
          + accessKey
          + ", secretKey=***, port="
          + port
          + ", jvmOptions="
          + jvmOptions
          + ", startTimeout="
          + startTimeout
          + ", jar="
          + jar
          + "]";
    }
  }

  private final Settings settings;
  private final int port;
  private final ChildJvm child;

  private S3ProxyProcess(Settings settings, int port, ChildJvm child) {
    this.settings = settings;
    this.port = port;
    this.child = child;
  }

  /**
   * Starts s3proxy and waits until it answers HTTP.
   *
   * @throws IllegalStateException if the jar is missing, or s3proxy exits or is not ready in time
   */
  public static S3ProxyProcess start(Settings settings) throws IOException, InterruptedException {
    if (!Files.isRegularFile(settings.jar())) {
      throw new IllegalStateException(
          "s3proxy jar not found at "
              + settings.jar()
              + "; build the infra module (./mvnw -pl infra package) or set -D"
              + JAR_PROPERTY);
    }
    long started = System.nanoTime();
    Path dataDir = settings.dataDir().toAbsolutePath();
    Path buckets = dataDir.resolve("buckets");
    Files.createDirectories(buckets);
    int port = settings.port() == 0 ? FreePort.pick() : settings.port();
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    Path config = dataDir.resolve("s3proxy.conf");
    writeConfig(config, settings, endpoint, buckets);
    ChildJvm child =
        ChildJvm.start(
            new ChildJvm.Spec(
                "s3proxy",
                settings.jar().toAbsolutePath().toString(),
                jvmOptions(settings),
                "org.gaul.s3proxy.Main",
                List.of("--properties", config.toString()),
                dataDir,
                dataDir.resolve("s3proxy.log"),
                Map.of("LOG_LEVEL", "warn")));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    try {
      child.awaitReady(settings.startTimeout(), () -> answersHttp(http, endpoint));
    } catch (RuntimeException | InterruptedException e) {
      child.kill();
      throw e;
    }
    LOG.info(
        "s3proxy ready endpoint={}, pid={}, dataDir={}, tookMs={}",
        endpoint,
        child.pid(),
        dataDir,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return new S3ProxyProcess(settings, port, child);
  }

  /**
   * The s3proxy jar: the system property {@value #JAR_PROPERTY} if set, otherwise the path the
   * build recorded in {@code io/wanpipeline/infra/s3/s3proxy.properties}.
   *
   * @throws IllegalStateException if neither names a location
   */
  public static Path locateJar() {
    String configured = System.getProperty(JAR_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    try (InputStream in = S3ProxyProcess.class.getResourceAsStream(JAR_RESOURCE)) {
      if (in != null) {
        Properties recorded = new Properties();
        recorded.load(in);
        String path = recorded.getProperty(JAR_PROPERTY);
        if (path != null && !path.isBlank() && !path.contains("${")) {
          return Path.of(path);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + JAR_RESOURCE, e);
    }
    throw new IllegalStateException(
        "the s3proxy jar location is unknown: set -D"
            + JAR_PROPERTY
            + "=<path to s3proxy-jar-with-dependencies.jar> or build the infra module");
  }

  /** The S3 endpoint, {@code http://127.0.0.1:<port>}; use it with path-style addressing. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The access key id that s3proxy accepts. */
  public String accessKey() {
    return settings.accessKey();
  }

  /** The data directory. */
  public Path dataDir() {
    return settings.dataDir();
  }

  /** s3proxy's output. */
  public Path logFile() {
    return child.logFile();
  }

  /** Whether s3proxy is running. */
  public boolean isRunning() {
    return child.isAlive();
  }

  /** Stops s3proxy with SIGTERM and waits until it is gone. */
  @Override
  public void close() {
    child.close();
  }

  /** Stops s3proxy with SIGTERM, waits up to {@code grace} for it to exit, then kills it. */
  public void stop(Duration grace) throws InterruptedException {
    if (child.isAlive()) {
      child.stop(grace);
    }
  }

  private static List<String> jvmOptions(Settings settings) {
    List<String> options = new ArrayList<>(settings.jvmOptions());
    options.add("-Djava.awt.headless=true");
    return options;
  }

  private static void writeConfig(Path file, Settings settings, URI endpoint, Path buckets)
      throws IOException {
    Properties config = new Properties();
    config.setProperty("s3proxy.endpoint", endpoint.toString());
    config.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    config.setProperty("s3proxy.identity", settings.accessKey());
    config.setProperty("s3proxy.credential", settings.secretKey());
    // The SDK's multipart client sends x-amz-mp-object-size, which s3proxy otherwise rejects.
    config.setProperty("s3proxy.ignore-unknown-headers", "true");
    config.setProperty("jclouds.provider", "filesystem");
    config.setProperty("jclouds.filesystem.basedir", buckets.toString());
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer out =
        Files.newBufferedWriter(
            file, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING)) {
      config.store(out, "written by " + S3ProxyProcess.class.getName() + "; holds a secret");
    }
  }

  private static boolean answersHttp(HttpClient http, URI endpoint) throws Exception {
    HttpResponse<Void> response =
        http.send(
            HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(2)).GET().build(),
            HttpResponse.BodyHandlers.discarding());
    return response.statusCode() > 0;
  }
}
