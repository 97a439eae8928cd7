package io.wanpipeline.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.runtime.management.Readiness;
import io.wanpipeline.runtime.management.ServiceMeters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link ServiceRunner} in a real child JVM, as a service's main runs it. */
class ServiceRunnerTest {

  /**
   * The child JVM's main: a service that records start and close in the file {@code journal}, and
   * that reports a failure at once when {@code journal.fail} is set.
   */
  public static void main(String[] args) throws InterruptedException {
    ServiceRunner.run(
        "journal",
        args,
        (settings, clock) ->
            new JournalService(
                Path.of(settings.string("journal")), settings.bool("journal.fail", false)));
  }

  @Test
  void startsTheServiceFromFileAndEnvironmentAndClosesItAtShutdown(@TempDir Path dir)
      throws Exception {
    Path journal = dir.resolve("journal.txt");
    Path properties = dir.resolve("service.properties");
    Files.writeString(
        properties,
        "journal=" + dir.resolve("overridden.txt").toString().replace("\\", "/") + "\n");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ServiceRunnerTest.class.getName(),
                properties.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile());
    builder.environment().put("WAN_PIPELINE_JOURNAL", journal.toString());
    int port = freePort();
    builder.environment().put("WAN_PIPELINE_MANAGEMENT_PORT", Integer.toString(port));
    builder.environment().put("WAN_PIPELINE_MANAGEMENT_HOST", "127.0.0.1");
    Process child = builder.start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> Files.exists(journal) && lines(journal).contains("started"));
      assertThat(child.isAlive()).as("main blocks while the service runs").isTrue();
      URI base = URI.create("http://127.0.0.1:" + port);
      HttpClient http = HttpClient.newHttpClient();
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> get(http, base.resolve("/readyz")).statusCode() == 200);
      assertThat(get(http, base.resolve("/healthz")).body()).isEqualTo("{\"status\":\"UP\"}");
      String metrics = get(http, base.resolve("/metrics")).body();
      assertThat(metrics)
          .as("the service's own meter, tagged with its name, and the JVM's")
          .contains("journal_starts_total{service=\"journal\"} 1.0")
          .contains("jvm_memory_used_bytes");

      child.destroy();

      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the JVM exits on SIGTERM").isTrue();
      assertThat(lines(journal))
          .as("started once, closed once by the shutdown hook")
          .containsExactly("started", "closed");
      assertThat(dir.resolve("overridden.txt"))
          .as("the environment wins over the file")
          .doesNotExist();
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aServiceThatFailsEndsItsJvmWithStatus70AfterClosingItOnce(@TempDir Path dir)
      throws Exception {
    Path journal = dir.resolve("journal.txt");
    Path log = dir.resolve("child.log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                ServiceRunnerTest.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("WAN_PIPELINE_JOURNAL", journal.toString());
    builder.environment().put("WAN_PIPELINE_JOURNAL_FAIL", "true");
    builder.environment().put("WAN_PIPELINE_MANAGEMENT_PORT", "0");
    Process child = builder.start();
    try {
      assertThat(child.waitFor(60, TimeUnit.SECONDS))
          .as("the JVM of a failed service exits by itself; log %s", log)
          .isTrue();
      assertThat(child.exitValue()).as("exit status").isEqualTo(ServiceRunner.FAILED_STATUS);
      assertThat(lines(journal))
          .as("closed once, by the shutdown hook that the exit ran")
          .containsExactly("started", "closed");
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aCloseThatHangsIsAbandonedAfterTheTimeoutSoTheJvmCanExit() {
    CountDownLatch release = new CountDownLatch(1);
    PipelineService hanging =
        new PipelineService() {
          @Override
          public void start() {}

          @Override
          public Optional<Throwable> failure() {
            return Optional.empty();
          }

          @Override
          public Readiness readiness() {
            return Readiness.READY;
          }

          @Override
          public CompositeMeterRegistry meters() {
            return new CompositeMeterRegistry();
          }

          @Override
          public void close() {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    try {
      long begin = System.nanoTime();
      boolean closed = ServiceRunner.closeWithin("hanging", hanging, Duration.ofMillis(300));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
      assertThat(closed).as("reported as not closed").isFalse();
      assertThat(tookMs).as("waited about the timeout, not for close()").isBetween(300L, 5_000L);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aCloseThatReturnsInTimeIsReportedClosed() {
    assertThat(
            ServiceRunner.closeWithin(
                "quick",
                new PipelineService() {
                  @Override
                  public void start() {}

                  @Override
                  public Optional<Throwable> failure() {
                    return Optional.empty();
                  }

                  @Override
                  public Readiness readiness() {
                    return Readiness.READY;
                  }

                  @Override
                  public CompositeMeterRegistry meters() {
                    return new CompositeMeterRegistry();
                  }

                  @Override
                  public void close() {}
                },
                Duration.ofSeconds(30)))
        .isTrue();
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  private static final class JournalService implements PipelineService {
    private final Path journal;
    private final boolean fail;
    private final CompositeMeterRegistry meters = ServiceMeters.forService("journal");
    private volatile boolean started;

    JournalService(Path journal, boolean fail) {
      this.journal = journal;
      this.fail = fail;
      Counter.builder("journal.starts").register(meters);
    }

    @Override
    public void start() {
      append("started");
      meters.counter("journal.starts").increment();
      started = true;
    }

    @Override
    public Optional<Throwable> failure() {
      return fail ? Optional.of(new IllegalStateException("journal loop died")) : Optional.empty();
    }

    @Override
    public Readiness readiness() {
      return Readiness.when(started, "journal: not started");
    }

    @Override
    public CompositeMeterRegistry meters() {
      return meters;
    }

    @Override
    public void close() {
      append("closed");
    }

    private void append(String event) {
      try {
        Files.writeString(
            journal,
            event + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
