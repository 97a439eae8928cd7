package io.wanpipeline.infra.chaos;

import io.wanpipeline.infra.process.ChildJvm;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One pipeline service run as a child JVM that the fault suite kills with SIGKILL, or freezes with
 * SIGSTOP, and starts again from the same specification (same properties file, same instance id,
 * same state directory), so every restart fences its predecessor.
 */
final class ServiceProcess implements AutoCloseable {
  private final ChildJvm.Spec spec;
  private ChildJvm child;
  private int starts;
  private int kills;
  private int unexpectedExits;
  private int pauses;
  private boolean paused;

  ServiceProcess(ChildJvm.Spec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  /** The service's name, for example {@code submitter-a}. */
  String name() {
    return spec.name();
  }

  /** Starts the child; it must not be running. */
  synchronized void start() throws IOException {
    if (child != null && child.isAlive()) {
      throw new IllegalStateException(name() + " is already running");
    }
    child = ChildJvm.start(spec);
    starts++;
  }

  /**
   * Kills the running child with SIGKILL and waits until it is gone.
   *
   * @return the killed process id
   * @throws IllegalStateException if the child is not running (it exited by itself: counted)
   */
  synchronized long kill() throws InterruptedException {
    if (child == null || !child.isAlive()) {
      unexpectedExits++;
      throw new IllegalStateException(
          name() + " was not running when it was to be killed; log " + spec.logFile());
    }
    long pid = child.pid();
    child.kill();
    child = null;
    kills++;
    return pid;
  }

  /**
   * {@link #kill}, unless the child is frozen by {@link #pause}: a frozen child is left to be
   * resumed as the zombie it is meant to be.
   *
   * @return the killed process id, or empty when the child is frozen
   */
  synchronized OptionalLong killUnlessPaused() throws InterruptedException {
    return paused ? OptionalLong.empty() : OptionalLong.of(kill());
  }

  /** Stops the child with SIGTERM (then SIGKILL after {@code grace}); nothing if not running. */
  synchronized void stop(Duration grace) throws InterruptedException {
    if (child != null) {
      if (child.isAlive()) {
        child.stop(grace);
      } else {
        unexpectedExits++;
      }
      child = null;
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

  /** How many times the child was found gone without having been killed or stopped. */
  synchronized int unexpectedExits() {
    return unexpectedExits;
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
