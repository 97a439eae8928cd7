package io.wanpipeline.infra.batch;

import io.wanpipeline.infra.cli.WanPipelineCli;
import io.wanpipeline.infra.local.LocalStack;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.runtime.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** The command line as a batch user runs it, against a local stack, for the batch tool's ITs. */
public final class BatchTool {
  private BatchTool() {}

  /** What one run printed, and its exit status. */
  public record Run(int code, String out, String err) {}

  /**
   * A local stack in {@code dir} with {@code settings} over its own, and its simulator as {@code
   * simulator} makes it.
   */
  static LocalStack stack(
      Path dir, Map<String, String> settings, UnaryOperator<SimulatorConfig.Builder> simulator)
      throws Exception {
    LocalStack.Options base = LocalStack.Options.of(dir, Settings.of(settings));
    return LocalStack.start(
        new LocalStack.Options(
            base.dataDir(),
            base.bootstrapServers(),
            base.s3Endpoint(),
            base.s3AccessKey(),
            base.s3SecretKey(),
            base.topicsPrefix(),
            base.partitions(),
            simulator.apply(base.simulator().toBuilder()).build(),
            base.settings(),
            base.overrides(),
            base.clock()));
  }

  /** The flash model, whose lane the batch ITs fill. */
  static final String FLASH = "wan2.2-i2v-flash";

  /**
   * A local stack in {@code dir} whose flash lane takes {@code cap} tasks at a time, {@code rate}
   * create calls a second, each task PENDING for {@code pending} then RUNNING for {@code running}
   * at the simulator.
   */
  static LocalStack flashLane(Path dir, int cap, int rate, Duration pending, Duration running)
      throws Exception {
    return stack(
        dir,
        Map.of(
            "provider.default.model." + FLASH + ".max-in-progress", String.valueOf(cap),
            "provider.default.model." + FLASH + ".submit-rate", String.valueOf(rate)),
        sim -> sim.concurrencyCap(FLASH, cap).pendingTime(pending).runningTime(running));
  }

  /** The properties file a batch user writes for {@code stack}, in {@code dir}. */
  static Path config(LocalStack stack, Path dir) throws IOException {
    Path config = dir.resolve("batch.properties");
    Files.writeString(
        config,
        "kafka.bootstrap.servers="
            + stack.bootstrapServers()
            + "\nschema-registry.url="
            + stack.settings().string("schema-registry.url")
            + "\ntopics.prefix="
            + stack.settings().string("topics.prefix", "")
            + "\nprovider.accounts=default\n");
    return config;
  }

  /** One batch line: an image-to-video request of {@code model} at {@code tier}, 5 s. */
  static String line(String customId, String model, String prompt, String tier) {
    return "{\"custom_id\":\""
        + customId
        + "\",\"model\":\""
        + model
        + "\",\"input\":{\"prompt\":\""
        + prompt
        + "\",\"img_url\":\"https://example.com/cat.png\"},"
        + "\"parameters\":{\"resolution\":\""
        + tier
        + "\",\"duration\":5}}";
  }

  /** {@code args} and {@code more}, as one argument array. */
  static String[] with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  /** Runs the command line as its main does, in this JVM, capturing what it prints. */
  public static Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = WanPipelineCli.commandLine().execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  /** The command line in a JVM of its own (this test's class path), its output in {@code log}. */
  static Process process(List<String> args, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(WanPipelineCli.class.getName());
    command.addAll(args);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
