package io.wanpipeline.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line as {@code main} builds it, parsed and run by picocli. */
class WanPipelineCliTest {

  @Test
  void everySubcommandAnswersHelpWithItsUsage() {
    List<List<String>> paths = new ArrayList<>();
    collect(WanPipelineCli.commandLine(), new ArrayList<>(), paths);
    assertThat(paths).as("the subcommands").hasSizeGreaterThanOrEqualTo(5);

    for (List<String> path : paths) {
      CommandLine cli = WanPipelineCli.commandLine();
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      cli.setOut(new PrintWriter(out));
      cli.setErr(new PrintWriter(err));
      List<String> args = new ArrayList<>(path);
      args.add("--help");

      int code = cli.execute(args.toArray(String[]::new));

      assertThat(code).as("%s: %s", args, err).isZero();
      assertThat(out.toString())
          .as("%s", args)
          .contains("Usage: wan-pipeline " + String.join(" ", path))
          .contains("--help");
    }
  }

  @Test
  void readsDurationsAsTheConfigurationDoes() {
    for (var c : List.of(List.of("90s", 90L), List.of("5m", 300L), List.of("PT2M", 120L))) {
      CommandLine cli = WanPipelineCli.commandLine();
      CommandLine.ParseResult parsed = cli.parseArgs("demo", "--timeout", (String) c.get(0));
      WanPipelineCli.DemoCommand demo =
          parsed.subcommand().commandSpec().commandLine().getCommand();
      assertThat(demo.timeout).as("%s", c.get(0)).isEqualTo(Duration.ofSeconds((Long) c.get(1)));
    }
    CommandLine cli = WanPipelineCli.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("demo", "--timeout", "five minutes")).isEqualTo(2);
    assertThat(err.toString()).contains("five minutes").contains("5s, 20m");
  }

  private static void collect(CommandLine cli, List<String> path, List<List<String>> out) {
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              List<String> p = new ArrayList<>(path);
              p.add(name);
              out.add(p);
              collect(sub, p, out);
            });
  }
}
