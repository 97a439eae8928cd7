package io.wanpipeline.infra.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.runtime.service.ProductVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every image the build makes (README, Images), as a container runtime would run it: the module's
 * {@code package} phase built it with Jib on the locally made base ({@code infra/test-image-base})
 * into {@code target/test-image.tar}; this test unpacks its layers in order into a root file
 * system, checks what they hold, and runs the image's own entrypoint inside that root, as the
 * image's user, in a mount and PID namespace of its own with /proc mounted (what a container has):
 * with {@code --version}, and for a service without configuration, which must stop with status 70
 * and name the missing key. No Docker daemon is needed, only root for {@code chroot} and {@code
 * unshare}.
 */
class ImageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();

  /** Jars that belong to tests and benchmarks, never to an image. */
  private static final Pattern TEST_JAR =
      Pattern.compile(
          "(testkit|wan-pipeline-bench|bench|pipeline-tests|junit|assertj|awaitility|jazzer"
              + "|archunit|kafka-streams-test-utils|opentest4j|apiguardian)[-.].*\\.jar"
              + "|.*-tests\\.jar");

  /** The services' own modules: a service never ships another's. */
  private static final List<String> SERVICES =
      List.of("submitter", "poller", "archiver", "billing", "status");

  static Stream<Arguments> images() {
    return Stream.of(
        Arguments.of("submitter", "submitter"),
        Arguments.of("poller", "poller"),
        Arguments.of("archiver", "archiver"),
        Arguments.of("billing", "billing"),
        Arguments.of("status", "status"),
        Arguments.of("infra/cli", "wan-pipeline"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void runsAsNonRootOnItsOwnRuntimeDependenciesOnly(String module, String name, @TempDir Path dir)
      throws Exception {
    assertThat(runCommand(List.of("id", "-u")).trim())
        .as("the image test unpacks and runs images with chroot and unshare, which need root")
        .isEqualTo("0");
    Path tarball = ROOT.resolve(module).resolve("target/test-image.tar");
    assertThat(tarball)
        .as("made by %s's package phase (jib-maven-plugin, execution test-image)", module)
        .exists();

    Path image = Files.createDirectories(dir.resolve("image"));
    runCommand(List.of("tar", "-xf", tarball.toString(), "-C", image.toString()));
    JsonNode manifest = JSON.readTree(image.resolve("manifest.json").toFile()).get(0);
    JsonNode config = JSON.readTree(image.resolve(manifest.get("Config").asText()).toFile());
    JsonNode container = config.get("config");

    String user = container.get("User").asText();
    assertThat(user).as("the image's user").isEqualTo("65532:65532");
    List<String> entrypoint = strings(container.get("Entrypoint"));
    assertThat(entrypoint)
        .as("the JVM sizes its heap from the container's memory")
        .contains("-XX:MaxRAMPercentage=75.0", "-XX:+ExitOnOutOfMemoryError");
    assertThat(container.get("ExposedPorts").has("9464/tcp")).as("management port").isTrue();

    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    for (JsonNode layer : manifest.get("Layers")) {
      runCommand(
          List.of("tar", "-xf", image.resolve(layer.asText()).toString(), "-C", rootfs.toString()));
    }
    List<String> libs;
    try (Stream<Path> files = Files.list(rootfs.resolve("app/libs"))) {
      libs = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(libs).as("test and benchmark jars").noneMatch(TEST_JAR.asPredicate());
    assertThat(libs)
        .as("the runtime the services share")
        .anyMatch(j -> j.startsWith("runtime-"))
        .anyMatch(j -> j.startsWith("schemas-"));
    if (SERVICES.contains(module)) {
      assertThat(libs)
          .as("other services' modules")
          .noneMatch(
              j -> SERVICES.stream().anyMatch(s -> !s.equals(module) && j.startsWith(s + "-")));
    }
    try (Stream<Path> classes = Files.walk(rootfs.resolve("app/classes"))) {
      assertThat(classes.map(p -> p.getFileName().toString()))
          .as("test classes")
          .noneMatch(f -> f.endsWith("Test.class") || f.endsWith("IT.class"));
    }

    Run version = runEntrypoint(rootfs, container, List.of("--version"));
    assertThat(version.status()).as(version.output()).isZero();
    assertThat(version.output().trim()).isEqualTo(name + " " + ProductVersion.get());
    if (SERVICES.contains(module)) {
      // Without configuration the service loads its settings, logging and factory, then stops
      // with the status a supervisor restarts on and a message naming the missing key.
      Run unconfigured = runEntrypoint(rootfs, container, List.of());
      assertThat(unconfigured.status()).as(unconfigured.output()).isEqualTo(70);
      assertThat(unconfigured.output())
          .contains("service=" + module + " could not be built")
          .contains("missing configuration key kafka.bootstrap.servers");
    }
  }

  private record Run(int status, String output) {}

  /**
   * Runs the image's entrypoint with {@code args} inside {@code rootfs} as the image's user, with
   * the image's environment only (its PATH finds its java, and on the host, chroot).
   */
  private static Run runEntrypoint(Path rootfs, JsonNode container, List<String> args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--pid",
                "--fork",
                "--mount-proc=" + rootfs.resolve("proc"),
                "chroot",
                "--userspec=" + container.get("User").asText(),
                rootfs.toString()));
    command.addAll(strings(container.get("Entrypoint")));
    command.addAll(args);
    ProcessBuilder run = new ProcessBuilder(command).redirectErrorStream(true);
    run.environment().clear();
    for (JsonNode env : container.get("Env")) {
      String[] kv = env.asText().split("=", 2);
      run.environment().put(kv[0], kv[1]);
    }
    Path output = Files.createTempFile(rootfs.getParent(), "entrypoint", ".out");
    Process p = run.redirectOutput(output.toFile()).start();
    boolean returned = p.waitFor(60, TimeUnit.SECONDS);
    if (!returned) {
      p.destroyForcibly();
    }
    String out = Files.readString(output);
    assertThat(returned).as("the entrypoint returned within 60 s: " + out).isTrue();
    return new Run(p.exitValue(), out);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String runCommand(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
