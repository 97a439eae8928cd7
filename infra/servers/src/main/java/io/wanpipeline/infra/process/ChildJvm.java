package io.wanpipeline.infra.process;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Java child process: started with its output appended to a log file, stopped with SIGTERM when
 * closed, and exiting by itself when the parent dies (see {@link ParentWatchingMain}).
 *
 * <p>The child has no shutdown hook of its own in the parent: JVM shutdown hooks run all at once,
 * so a hook per child would stop a broker while the parent's own hook still stops the services that
 * use it. The owner stops its children in its order; a child the owner never stops goes when the
 * parent's JVM is gone (standard input closes). The child ignores SIGINT, which a terminal's Ctrl-C
 * sends to the whole process group, for the same reason.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChildJvm.class);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

  /**
   * What to run.
   *
   * @param name short name for logs and thread names, for example {@code kafka}
   * @param classpath the child's class path (entries separated by {@link File#pathSeparator}); the
   *     location of {@link ParentWatchingMain} is appended if it is not on it
   * @param jvmOptions options before the main class, for example {@code -Xmx512m}
   * @param mainClass the real main class
   * @param args the main class's arguments
   * @param workDir the child's working directory
   * @param logFile file that receives the child's standard output and error (appended)
   * @param environment variables added to the child's environment
   */
  public record Spec(
      String name,
      String classpath,
      List<String> jvmOptions,
      String mainClass,
      List<String> args,
      Path workDir,
      Path logFile,
      Map<String, String> environment) {
    public Spec {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(classpath, "classpath");
      jvmOptions = List.copyOf(jvmOptions);
      Objects.requireNonNull(mainClass, "mainClass");
      args = List.copyOf(args);
      Objects.requireNonNull(workDir, "workDir");
      Objects.requireNonNull(logFile, "logFile");
      environment = Map.copyOf(environment);
    }
  }

  /** A readiness check, called until it answers true. */
  @FunctionalInterface
  public interface Probe {
    /** Whether the child is ready; an exception counts as "not yet". */
    boolean ready() throws Exception;
  }

  private final Spec spec;
  private final Process process;

  private ChildJvm(Spec spec, Process process) {
    this.spec = spec;
    this.process = process;
  }

  /** Starts the child; it is not necessarily ready yet, see {@link #awaitReady}. */
  public static ChildJvm start(Spec spec) throws IOException {
    Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(spec.jvmOptions());
    command.add(ParentWatchingMain.class.getName());
    command.add(spec.mainClass());
    command.addAll(spec.args());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(spec.workDir().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()));
    // The class path goes through the environment so that `ps` stays readable.
    builder.environment().put("CLASSPATH", withLauncher(spec.classpath()));
    builder.environment().putAll(spec.environment());
    Process process = builder.start();
    LOG.debug(
        "started child name={}, pid={}, mainClass={}, log={}",
        spec.name(),
        process.pid(),
        spec.mainClass(),
        spec.logFile());
    // Standard input stays open: it closes when this JVM dies, which stops the child.
    return new ChildJvm(spec, process);
  }

  /**
   * Waits until {@code probe} answers true, failing early if the child exits.
   *
   * @throws IllegalStateException if the child exits or {@code timeout} passes first
   */
  public void awaitReady(Duration timeout, Probe probe) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (probe.ready()) {
          return;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        last = e;
      }
      if (process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            spec.name()
                + " exited with code "
                + process.exitValue()
                + " before it was ready; log "
                + spec.logFile()
                + tailForErrors());
      }
      if (System.nanoTime() - deadline > 0) {
        IllegalStateException timedOut =
            new IllegalStateException(
                spec.name()
                    + " was not ready after "
                    + timeout
                    + "; log "
                    + spec.logFile()
                    + tailForErrors());
        if (last != null) {
          timedOut.addSuppressed(last);
        }
        throw timedOut;
      }
    }
  }

  /** The child's process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the child is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes with the child's exit status when it exits, whoever ends it. */
  public CompletableFuture<Integer> exit() {
    return process.onExit().thenApply(Process::exitValue);
  }

  /** The file that receives the child's output. */
  public Path logFile() {
    return spec.logFile();
  }

  /**
   * Sends SIGTERM and waits up to {@code grace} for the child to exit, then kills it.
   *
   * @return the exit code
   */
  public int stop(Duration grace) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      LOG.warn(
          "child did not stop within {}, killing it: name={}, pid={}",
          grace,
          spec.name(),
          process.pid());
      process.destroyForcibly();
      process.waitFor();
    }
    return process.exitValue();
  }

  /** Sends SIGKILL and waits for the child to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /**
   * Stops the child with a 30-second grace period; if interrupted meanwhile, kills it and keeps the
   * thread's interrupt status.
   */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    try {
      stop(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private String tailForErrors() {
    List<String> lines = tail(spec.logFile(), 40);
    return lines.isEmpty() ? "" : "; last lines:\n" + String.join("\n", lines);
  }

  private static List<String> tail(Path file, int count) {
    if (!Files.exists(file)) {
      return List.of();
    }
    Deque<String> last = new ArrayDeque<>(count);
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      lines.forEach(
          line -> {
            if (last.size() == count) {
              last.removeFirst();
            }
            last.addLast(line);
          });
    } catch (IOException | UncheckedIOException e) {
      return List.of("(log unreadable: " + e.getMessage() + ")");
    }
    return List.copyOf(last);
  }

  private static String withLauncher(String classpath) {
    String launcher = launcherLocation();
    List<String> entries = List.of(classpath.split(File.pathSeparator));
    return entries.contains(launcher) ? classpath : classpath + File.pathSeparator + launcher;
  }

  private static String launcherLocation() {
    try {
      return Path.of(
              ParentWatchingMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + ChildJvm.class, e);
    }
  }
}
