package io.wanpipeline.infra.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.cli.WanPipelineCli;
import io.wanpipeline.infra.process.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code wan-pipeline demo}, run as its own JVM as the script runs it: its terminal holds the
 * demo's table, where each video landed and the bill, and no log line (Kafka's start-up warnings,
 * the services' INFO); every log line is in {@code wan-pipeline.log} in the data directory.
 */
class DemoCommandIT {

  @Test
  void theDemoEndsEveryRequestAndItsTerminalHoldsNoLogLine() throws Exception {
    Path dir = Path.of("target", "demo", UUID.randomUUID().toString()).toAbsolutePath();
    Files.createDirectories(dir);
    Path terminal = dir.resolve("terminal.txt");
    Path data = dir.resolve("data");
    try (ChildJvm demo =
        ChildJvm.start(
            new ChildJvm.Spec(
                "demo",
                System.getProperty("java.class.path"),
                List.of("-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                WanPipelineCli.class.getName(),
                List.of("demo", "--data-dir", data.toString(), "--timeout", "3m"),
                dir,
                terminal,
                Map.of()))) {
      int status = demo.exit().get(5, TimeUnit.MINUTES);
      String out = Files.readString(terminal, StandardCharsets.UTF_8);

      assertThat(status).as("exit status; terminal:%n%s", out).isZero();
      assertThat(out)
          .contains("logs go to " + data.resolve("wan-pipeline.log"))
          .contains("Where each video landed:")
          .contains("The bill");
      assertThat(out.lines())
          .as("no log line reaches the terminal")
          .noneMatch(line -> line.matches(".*\\b(WARN|INFO|DEBUG)\\b.*"))
          .noneMatch(line -> line.contains("org.apache.kafka") || line.contains("o.a.k."));
      String log = Files.readString(data.resolve("wan-pipeline.log"), StandardCharsets.UTF_8);
      assertThat(log)
          .as("the log file has the services' lines")
          .contains("broker ready")
          .contains("INFO");
    }
  }
}
