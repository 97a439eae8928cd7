package io.wanpipeline.infra.chaos;

import io.wanpipeline.infra.process.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * One pipeline service run as a child JVM that the fault suite kills with SIGKILL, or freezes with
 * SIGSTOP, and starts again from the same specification (same properties file, same instance id,
 * same state directory), so every restart fences its predecessor. A child that exits without having
 * been killed or stopped is recorded as an {@link Exit} and handed to the listener of {@link
 * #onExitByItself}, which may start it again as a supervisor would.
 */
final class ServiceProcess implements AutoCloseable {
  private static final int LAST_ERROR_CHARS = 400;

  /**
   * An exit the test did not cause.
   *
   * @param service the service's name
   * @param status the child's exit status
   * @param lastError the last ERROR line the child logged since its start, else its last line, or
   *     empty
   */
  record Exit(String service, int status, String lastError) {}

  private final ChildJvm.Spec spec;
  private ChildJvm child;
  private long logOffsetAtStart;
  private int starts;
  private int kills;
  private final List<Exit> exits = new ArrayList<>();
  private Consumer<Exit> exitListener = exit -> {};
  private int pauses;
  private boolean paused;

  ServiceProcess(ChildJvm.Spec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  /** The service's name, for example {@code submitter-a}. */
  String name() {
    return spec.name();
  }

  /** Who hears of an exit the test did not cause (called outside this object's lock). */
  synchronized void onExitByItself(Consumer<Exit> listener) {
    exitListener = Objects.requireNonNull(listener, "listener");
  }

  /** Starts the child; it must not be running. */
  synchronized void start() throws IOException {
    if (child != null && child.isAlive()) {
      throw new IllegalStateException(name() + " is already running");
    }
    logOffsetAtStart = Files.exists(spec.logFile()) ? Files.size(spec.logFile()) : 0;
    ChildJvm started = ChildJvm.start(spec);
    child = started;
    paused = false;
    starts++;
    started.exit().thenAccept(status -> exitedByItself(started, status));
  }

  /**
   * Kills the running child with SIGKILL and waits until it is gone, unless it is frozen by {@link
   * #pause} (a frozen child is left to be resumed as the zombie it is meant to be) or not running
   * (it exited by itself and waits for its restart).
   *
   * @return the killed process id, or empty when the child was not killed
   */
  synchronized OptionalLong killUnlessPaused() throws InterruptedException {
    if (paused || child == null || !child.isAlive()) {
      return OptionalLong.empty();
    }
    long pid = child.pid();
    child.kill();
    child = null;
    kills++;
    return OptionalLong.of(pid);
  }

  /** Stops the child with SIGTERM (then SIGKILL after {@code grace}); nothing if not running. */
  synchronized void stop(Duration grace) throws InterruptedException {
    if (child != null) {
      if (child.isAlive()) {
        child.stop(grace);
      } else {
        recordExit(child.exit().join());
      }
      child = null;
    }
  }

  private void exitedByItself(ChildJvm which, int status) {
    Exit exit;
    Consumer<Exit> listener;
    synchronized (this) {
      // Killed or stopped by the test: kill and stop forget the child before they return.
      if (child != which) {
        return;
      }
      exit = recordExit(status);
      child = null;
      listener = exitListener;
    }
    listener.accept(exit);
  }

  private Exit recordExit(int status) {
    Exit exit = new Exit(name(), status, lastError());
    exits.add(exit);
    return exit;
  }

  /**
   * The last line with ERROR that the child wrote since its start, else its last line (a JVM that
   * died before its logging started), or empty.
   */
  private String lastError() {
    try (SeekableByteChannel log = Files.newByteChannel(spec.logFile());
        BufferedReader lines =
            new BufferedReader(
                Channels.newReader(
                    log.position(logOffsetAtStart),
                    StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE),
                    -1))) {
      String lastError = null;
      String last = "";
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.contains(" ERROR ")) {
          lastError = line;
        }
        if (!line.isBlank()) {
          last = line;
        }
      }
      String why = lastError == null ? last : lastError;
      return why.length() > LAST_ERROR_CHARS ? why.substring(0, LAST_ERROR_CHARS) : why;
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /**
   * Freezes the running child with SIGSTOP: it keeps its sockets and state but sends nothing (no
   * heartbeat, no commit) until {@link #resume}, as a process stalled by a long GC pause or a
   * suspended VM.
   *
   * @return the paused process id
   */
  synchronized long pause() throws IOException, InterruptedException {
    if (child == null || !child.isAlive()) {
      throw new IllegalStateException(name() + " is not running; log " + spec.logFile());
    }
    signal("STOP", child.pid());
    paused = true;
    pauses++;
    return child.pid();
  }

  /** Lets a child paused by {@link #pause} run again with SIGCONT. */
  synchronized void resume() throws IOException, InterruptedException {
    if (child == null || !child.isAlive()) {
      throw new IllegalStateException(name() + " is not running; log " + spec.logFile());
    }
    signal("CONT", child.pid());
    paused = false;
  }

  /** How many times the child was paused. */
  synchronized int pauses() {
    return pauses;
  }

  // ProcessHandle has no signal API: kill(1) sends it.
  private static void signal(String signal, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    int exit = kill.waitFor();
    if (exit != 0) {
      throw new IOException("kill -" + signal + " " + pid + " exited with " + exit);
    }
  }

  /** Whether the child is running now. */
  synchronized boolean isAlive() {
    return child != null && child.isAlive();
  }

  /** The process id of the running child, or -1. */
  synchronized long pid() {
    return child == null ? -1 : child.pid();
  }

  /** How many times the child was started. */
  synchronized int starts() {
    return starts;
  }

  /** How many times the child was killed. */
  synchronized int kills() {
    return kills;
  }

  /** The exits the test did not cause, in order. */
  synchronized List<Exit> exits() {
    return List.copyOf(exits);
  }

  @Override
  public void close() {
    try {
      stop(Duration.ofSeconds(20));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
