package io.wanpipeline.infra.chaos;

import io.wanpipeline.infra.process.ChildJvm;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * One pipeline service run as a child JVM that the chaos test kills with SIGKILL and starts again
 * from the same specification (same properties file, same instance id, same state directory), so
 * every restart fences its predecessor.
 */
final class ServiceProcess implements AutoCloseable {
  private final ChildJvm.Spec spec;
  private ChildJvm child;
  private int starts;
  private int kills;
  private int unexpectedExits;

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
