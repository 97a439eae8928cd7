package io.wanpipeline.infra.console;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium}, headless: loads a page, lets its scripts run for a budget of virtual
 * time (network answers are waited for), then prints the DOM or takes a screenshot.
 */
final class HeadlessChromium {
  private static final long BUDGET_MS = 12_000;
  private static final List<String> NAMES =
      List.of("chromium", "chromium-browser", "google-chrome");

  private final Path binary;
  private final Path profile;

  private HeadlessChromium(Path binary, Path profile) {
    this.binary = binary;
    this.profile = profile;
  }

  /** The browser on the PATH, with a fresh profile in {@code dir}; fails saying how to get one. */
  static HeadlessChromium find(Path dir) throws IOException {
    for (String dirOnPath : System.getenv().getOrDefault("PATH", "").split(":")) {
      for (String name : NAMES) {
        Path candidate = Path.of(dirOnPath, name);
        if (Files.isExecutable(candidate)) {
          return new HeadlessChromium(candidate, Files.createDirectories(dir.resolve("profile")));
        }
      }
    }
    throw new IllegalStateException(
        "no chromium on the PATH: the console test needs Debian's chromium (.ci/run installs it;"
            + " apt-get install chromium)");
  }

  /** The DOM of {@code url} once its scripts have run. */
  String dom(URI url) throws IOException, InterruptedException {
    List<String> args = args();
    args.add("--dump-dom");
    args.add(url.toString());
    Path out = Files.createTempFile(profile, "dom", ".html");
    run(args, out);
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** A PNG of {@code url} at 1440x1400 once its scripts have run. */
  void screenshot(URI url, Path png) throws IOException, InterruptedException {
    List<String> args = args();
    args.add("--screenshot=" + png.toAbsolutePath());
    args.add("--window-size=1440,1400");
    args.add("--hide-scrollbars");
    args.add(url.toString());
    run(args, Files.createTempFile(profile, "screenshot", ".log"));
  }

  private List<String> args() {
    List<String> args = new ArrayList<>();
    args.add(binary.toString());
    args.add("--headless");
    // Tests may run as root, where Chromium's sandbox cannot start; the page is our own.
    args.add("--no-sandbox");
    args.add("--disable-gpu");
    args.add("--disable-dev-shm-usage");
    args.add("--no-first-run");
    args.add("--user-data-dir=" + profile);
    args.add("--virtual-time-budget=" + BUDGET_MS);
    return args;
  }

  private static void run(List<String> args, Path out) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(args)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium did not finish in 90 s: " + args);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("chromium exited " + p.exitValue() + ": " + args);
    }
  }
}
