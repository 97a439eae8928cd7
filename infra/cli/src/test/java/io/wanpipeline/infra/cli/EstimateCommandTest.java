package io.wanpipeline.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EstimateCommandTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return new CommandLine(
            new EstimateCommand(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                java.time.Clock.fixed(
                    java.time.Instant.parse("2026-06-01T00:00:00Z"), java.time.ZoneOffset.UTC)))
        .execute(args);
  }

  @Test
  void printsATableAndTotalsPerCurrencyFromTheBundledPrices() throws Exception {
    Path file = dir.resolve("requests.json");
    Files.writeString(
        file,
        "[{\"request_id\":\"r1\",\"account_id\":\"acme\",\"model\":\"wan2.2-i2v-flash\","
            + "\"input\":{\"prompt\":\"a cat\"},"
            + "\"parameters\":{\"resolution\":\"480P\",\"duration\":5}},\n"
            + " {\"request_id\":\"r2\",\"model\":\"wan2.2-s2v\",\"parameters\":{}},\n"
            + " {\"request_id\":\"r3\",\"model\":\"happyhorse-1.0-t2v\","
            + "\"parameters\":{\"resolution\":\"1080P\",\"duration\":5}}]");

    int code = run("--file", file.toString(), "--at", "2026-06-01T00:00:00Z");

    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(table).contains("r1").contains("0.500000").contains("CNY");
    assertThat(table).contains("max 30").contains("15.000000");
    assertThat(table).contains("r3").contains("UNPRICED");
    assertThat(table).contains("Total CNY 15.500000 (at most").contains("Unpriced requests: 1");
  }

  @Test
  void appliesAGatewayMarkupFromTheConfigAndReadsOneRequestPerLine() throws Exception {
    Path file = dir.resolve("requests.jsonl");
    Files.writeString(
        file,
        "{\"request_id\":\"a\",\"model\":\"wan2.2-i2v-flash\","
            + "\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}\n"
            + "{\"request_id\":\"b\",\"model\":\"wan2.2-i2v-flash\",\"provider_account\":\"cn-main\","
            + "\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}\n");
    Path config = dir.resolve("billing.properties");
    Files.writeString(
        config,
        "provider.accounts=cn-main,apiyi\n"
            + "provider.apiyi.price-markup=0.14\n"
            + "provider.apiyi.price-currency=USD\n");

    int code =
        run(
            "--file",
            file.toString(),
            "--config",
            config.toString(),
            "--provider-account",
            "apiyi",
            "--at",
            "2026-06-01T00:00:00Z");

    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(table).contains("Total USD 0.070000").contains("Total CNY 0.500000");
  }

  @Test
  void refusesAFileThatIsNotJson() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "model=wan2.2-i2v-flash");

    assertThat(run("--file", file.toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("estimate:").contains("not JSON");
  }
}
