package io.wanpipeline.infra.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C at a terminal sends SIGINT to every process of the foreground group: a child JVM (the
 * local stack's broker) must ignore it and stop only when its parent stops it, after the services
 * that use it.
 */
class ChildJvmSignalIT {
  private static final String READY = "child main running";

  /** The child's main: says it runs, then waits until the JVM is stopped. */
  public static void main(String[] args) throws InterruptedException {
    System.out.println(READY);
    new CountDownLatch(1).await();
  }

  @Test
  void aChildIgnoresSigintAndStopsOnSigterm(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("child.log");
    ChildJvm child =
        ChildJvm.start(
            new ChildJvm.Spec(
                "sigint",
                System.getProperty("java.class.path"),
                List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"),
                ChildJvmSignalIT.class.getName(),
                List.of(),
                dir,
                log,
                Map.of()));
    try {
      child.awaitReady(Duration.ofSeconds(60), () -> read(log).contains(READY));

      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(child.pid())).start();
      assertThat(kill.waitFor()).as("kill -INT exit code").isZero();

      if (read(log).contains(ParentWatchingMain.SIGINT_IGNORED_FROM_START)) {
        // This build runs with SIGINT ignored (started in the background without job control):
        // the kernel drops the signal when kill sends it, so the child cannot have died of it.
        assertThat(child.isAlive()).as("the child outlives SIGINT; log %s", log).isTrue();
      } else {
        await("the child handled SIGINT")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> read(log).contains(ParentWatchingMain.IGNORED_SIGINT) || !child.isAlive());
        assertThat(child.isAlive()).as("the child outlives SIGINT; log %s", log).isTrue();
      }

      child.stop(Duration.ofSeconds(30));
      assertThat(child.isAlive()).as("the child stops on SIGTERM").isFalse();
    } finally {
      if (child.isAlive()) {
        child.kill();
      }
    }
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }
}
