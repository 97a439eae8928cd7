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

  private static final String IMAGE = "\"img_url\":\"https://example.com/cat.png\"";

  @Test
  void printsATableAndTotalsPerCurrencyFromTheBundledPrices() throws Exception {
    Path file = dir.resolve("requests.json");
    Files.writeString(
        file,
        "[{\"request_id\":\"r1\",\"account_id\":\"acme\",\"model\":\"wan2.2-i2v-flash\","
            + "\"input\":{\"prompt\":\"a cat\","
            + IMAGE
            + "},\"parameters\":{\"resolution\":\"480P\",\"duration\":5}},\n"
            + " {\"request_id\":\"r2\",\"model\":\"wan2.2-s2v\",\"input\":{"
            + "\"image_url\":\"https://example.com/face.png\","
            + "\"audio_url\":\"https://example.com/speech.mp3\"},\"parameters\":{}},\n"
            + " {\"request_id\":\"r3\",\"model\":\"happyhorse-1.0-t2v\","
            + "\"input\":{\"prompt\":\"a horse\"},"
            + "\"parameters\":{\"resolution\":\"1080P\",\"duration\":5}}]");

    int code = run("--file", file.toString(), "--at", "2026-06-01T00:00:00Z");

    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(err.toString(StandardCharsets.UTF_8) + table).isZero();
    assertThat(table).contains("r1").contains("0.50 CNY");
    assertThat(table).contains("max 30").contains("15.00 CNY");
    assertThat(table).contains("r3").contains("UNPRICED");
    assertThat(table).contains("Total 15.50 CNY (at most").contains("Unpriced requests: 1");
  }

  @Test
  void checksEveryRequestAsTheSubmitterDoesAndPricesOnlyThoseItWouldTake() throws Exception {
    Path file = dir.resolve("requests.jsonl");
    Files.writeString(
        file,
        "{\"request_id\":\"ok\",\"model\":\"wan2.2-i2v-flash\",\"input\":{"
            + IMAGE
            + "},\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}\n"
            + "{\"request_id\":\"too-long\",\"model\":\"wan2.5-t2v-preview\","
            + "\"input\":{\"prompt\":\"a cat\"},\"parameters\":{\"duration\":7}}\n"
            + "{\"request_id\":\"too-sharp\",\"model\":\"wan2.2-i2v-flash\",\"input\":{"
            + IMAGE
            + "},\"parameters\":{\"resolution\":\"1080P\",\"duration\":5}}\n"
            + "{\"request_id\":\"misspelt\",\"model\":\"wan2.2-i2v-flash\",\"input\":{"
            + IMAGE
            + "},\"parameters\":{\"resolutoin\":\"480P\"}}\n"
            + "{\"request_id\":\"elsewhere\",\"model\":\"wan2.2-i2v-flash\","
            + "\"provider_account\":\"apiyi\",\"input\":{"
            + IMAGE
            + "},\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}\n");

    int code = run("--file", file.toString(), "--at", "2026-06-01T00:00:00Z");

    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as("some requests are invalid").isEqualTo(1);
    assertThat(line(table, "too-long")).contains("INVALID: parameters.duration");
    assertThat(line(table, "too-sharp")).contains("INVALID: parameters.resolution");
    assertThat(line(table, "misspelt")).contains("INVALID: parameters.resolutoin: no such field");
    assertThat(line(table, "elsewhere"))
        .contains("INVALID: provider_account: unknown provider account 'apiyi'");
    assertThat(table)
        .contains("Total 0.50 CNY")
        .contains("Invalid requests: 4 (not included in the totals");
  }

  @Test
  void refusesAProviderAccountItDoesNotKnow() throws Exception {
    Path file = dir.resolve("requests.json");
    Files.writeString(
        file,
        "{\"request_id\":\"a\",\"model\":\"wan2.2-i2v-flash\",\"input\":{"
            + IMAGE
            + "},\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}");

    assertThat(run("--file", file.toString(), "--provider-account", "apiyi")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--provider-account apiyi: unknown provider account; configured: [default]");
    assertThat(out.toString(StandardCharsets.UTF_8)).as("nothing priced at a guess").isEmpty();
  }

  private static String line(String table, String requestId) {
    return table
        .lines()
        .filter(l -> l.startsWith(requestId + " "))
        .findFirst()
        .orElseThrow(() -> new AssertionError(requestId + " not in\n" + table));
  }

  @Test
  void appliesAGatewayMarkupFromTheConfigAndReadsOneRequestPerLine() throws Exception {
    Path file = dir.resolve("requests.jsonl");
    Files.writeString(
        file,
        "{\"request_id\":\"a\",\"model\":\"wan2.2-i2v-flash\",\"input\":{"
            + IMAGE
            + "},\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}\n"
            + "{\"request_id\":\"b\",\"model\":\"wan2.2-i2v-flash\",\"provider_account\":\"cn-main\","
            + "\"input\":{"
            + IMAGE
            + "},\"parameters\":{\"resolution\":\"480P\",\"duration\":5}}\n");
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
    assertThat(table).contains("Total 0.07 USD").contains("Total 0.50 CNY");
  }

  @Test
  void refusesAFileThatIsNotJson() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "model=wan2.2-i2v-flash");

    assertThat(run("--file", file.toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("estimate:").contains("not JSON");
  }
}
