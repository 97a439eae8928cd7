package io.wanpipeline.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.infra.process.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite's monkey acts as the services' supervisor: a service that exits by itself is
 * recorded with its status and the last error it logged in that run, and started again after a
 * growing backoff. Real child JVMs, as in the suite (public, so that the child can call its main).
 */
public class ChaosMonkeyIT {
  private static final int CANNOT_WORK = 70;
  private static final String RUNNING = "child running";

  /**
   * The child's main: its first run logs an error and exits 70, its second exits 70 without logging
   * one, its third stays up until stopped. {@code args[0]} counts the runs.
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    Path runs = Path.of(args[0]);
    int run = Files.exists(runs) ? Integer.parseInt(Files.readString(runs).strip()) + 1 : 1;
    Files.writeString(runs, Integer.toString(run));
    if (run == 1) {
      System.out.println("2026-12-08T00:00:00.000Z ERROR [main] cannot work: registry down");
      System.exit(CANNOT_WORK);
    }
    if (run == 2) {
      System.exit(CANNOT_WORK);
    }
    System.out.println(RUNNING);
    new CountDownLatch(1).await();
  }

  @Test
  void restartsAServiceThatExitedByItselfAndRecordsWhy(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("flaky.log");
    ServiceProcess service =
        new ServiceProcess(
            new ChildJvm.Spec(
                "flaky",
                System.getProperty("java.class.path"),
                List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"),
                ChaosMonkeyIT.class.getName(),
                List.of(dir.resolve("runs").toString()),
                dir,
                log,
                Map.of()));
    ChaosMonkey.Timing never =
        new ChaosMonkey.Timing(
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO);
    try (service;
        ChaosMonkey monkey =
            new ChaosMonkey(List.of(service), 1L, 0, never, () -> false, Clock.systemUTC())) {
      monkey.start();
      service.start();

      await("the service restarted twice and running")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  service.starts() == 3
                      && service.isAlive()
                      && Files.readString(log, StandardCharsets.UTF_8).contains(RUNNING));

      List<ChaosMonkey.SelfExit> exits = monkey.selfExits();
      assertThat(exits)
          .extracting(x -> x.exit().status())
          .containsExactly(CANNOT_WORK, CANNOT_WORK);
      assertThat(exits.get(0).exit().lastError()).endsWith("cannot work: registry down");
      assertThat(exits.get(1).exit().lastError())
          .as("only what the second run logged, though the log file holds the first's error")
          .isEmpty();
      assertThat(exits)
          .extracting(ChaosMonkey.SelfExit::restartAfter)
          .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(service.exits()).hasSize(2);
      assertThat(service.kills()).isZero();
    }
  }
}
