package io.wanpipeline.infra.chaos;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills each service with SIGKILL a given number of times at random moments and starts it again
 * after a short random pause. Each service draws its moments from its own seeded {@link Random}, so
 * a seed gives the same schedule of up-times and pauses on every run; every kill is logged. A kill
 * due while kills are held (the owner's condition) or while its service is frozen with SIGSTOP
 * waits until they are allowed and the service has been resumed (looked at every {@link
 * #HELD_RETRY}), so a frozen service still wakes up as a zombie to be fenced.
 *
 * <p>Like the supervisor every deployment has (Kubernetes' {@code restartPolicy: Always}, systemd's
 * {@code Restart=on-failure}), it starts again a service that exited by itself, after a backoff of
 * 1, 2, 4, then 8 s for its first, second, third and later exits: a service that cannot work exits
 * with status 70 and relies on that restart (docs/reliability.md). Each such exit is recorded for
 * the verdict to judge.
 */
final class ChaosMonkey implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosMonkey.class);
  private static final Duration HELD_RETRY = Duration.ofMillis(500);
  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final int BACKOFF_DOUBLINGS = 3;

  /**
   * One kill.
   *
   * @param service the service killed
   * @param number 1 for its first kill
   * @param pid the killed process
   * @param at time since the monkey started
   * @param pause time until the restart
   */
  record Kill(String service, int number, long pid, Duration at, Duration pause) {}

  /**
   * A service that exited without being killed or stopped, and its restart.
   *
   * @param exit its status and last logged error
   * @param at time since the monkey started
   * @param restartAfter the backoff before its restart
   */
  record SelfExit(ServiceProcess.Exit exit, Duration at, Duration restartAfter) {}

  /**
   * When to kill and restart: each bound pair is drawn uniformly.
   *
   * @param firstKillMin earliest first kill after the start
   * @param firstKillMax latest first kill after the start
   * @param upMin shortest life of a restarted service before its next kill
   * @param upMax longest life of a restarted service before its next kill
   * @param pauseMin shortest pause between a kill and the restart
   * @param pauseMax longest pause between a kill and the restart
   */
  record Timing(
      Duration firstKillMin,
      Duration firstKillMax,
      Duration upMin,
      Duration upMax,
      Duration pauseMin,
      Duration pauseMax) {}

  private final Map<ServiceProcess, Random> services = new LinkedHashMap<>();
  private final BooleanSupplier killsAllowed;
  private final int killsPerService;
  private final Timing timing;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final List<Kill> kills = new ArrayList<>();
  private final List<SelfExit> selfExits = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private Instant startedAt;

  /**
   * @param killsAllowed false while no service may be killed (kills then wait)
   */
  ChaosMonkey(
      List<ServiceProcess> targets,
      long seed,
      int killsPerService,
      Timing timing,
      BooleanSupplier killsAllowed,
      Clock clock) {
    // Seeds drawn from one random: Randoms seeded n and n+1 draw nearly the same first numbers.
    Random seeds = new Random(seed);
    for (ServiceProcess target : targets) {
      services.put(target, new Random(seeds.nextLong()));
    }
    this.killsPerService = killsPerService;
    this.timing = timing;
    this.killsAllowed = killsAllowed;
    this.clock = clock;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "chaos-monkey");
              t.setDaemon(true);
              return t;
            });
  }

  /** Schedules every service's first kill, and restarts every service that exits by itself. */
  synchronized void start() {
    startedAt = clock.instant();
    services.forEach(
        (service, random) -> {
          service.onExitByItself(exit -> exitedByItself(service, exit));
          schedule(() -> kill(service), draw(random, timing.firstKillMin(), timing.firstKillMax()));
        });
  }

  /** Whether every service has been killed often enough and runs again. */
  synchronized boolean finished() {
    return services.keySet().stream().allMatch(s -> s.kills() >= killsPerService && s.isAlive());
  }

  /** Every exit by itself so far, in order. */
  synchronized List<SelfExit> selfExits() {
    return List.copyOf(selfExits);
  }

  /** Every kill so far, in order. */
  synchronized List<Kill> kills() {
    return List.copyOf(kills);
  }

  /**
   * What went wrong while killing or restarting (a service that died by itself, a failed start).
   */
  synchronized List<String> problems() {
    return List.copyOf(problems);
  }

  private void kill(ServiceProcess service) {
    Random random;
    synchronized (this) {
      random = services.get(service);
    }
    Duration pause;
    try {
      OptionalLong killed =
          killsAllowed.getAsBoolean() ? service.killUnlessPaused() : OptionalLong.empty();
      if (killed.isEmpty()) {
        schedule(() -> kill(service), HELD_RETRY);
        return;
      }
      long pid = killed.getAsLong();
      pause = draw(random, timing.pauseMin(), timing.pauseMax());
      Kill kill = new Kill(service.name(), service.kills(), pid, sinceStart(), pause);
      synchronized (this) {
        kills.add(kill);
      }
      LOG.info(
          "chaos SIGKILL service={} kill={}/{} pid={} atMs={} restartInMs={}",
          kill.service(),
          kill.number(),
          killsPerService,
          pid,
          kill.at().toMillis(),
          pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    schedule(() -> restart(service), pause);
  }

  private void exitedByItself(ServiceProcess service, ServiceProcess.Exit exit) {
    SelfExit recorded;
    synchronized (this) {
      long before =
          selfExits.stream().filter(e -> e.exit().service().equals(exit.service())).count();
      Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(before, BACKOFF_DOUBLINGS));
      recorded = new SelfExit(exit, sinceStart(), backoff);
      selfExits.add(recorded);
    }
    LOG.warn(
        "service exited by itself service={} status={} atMs={} restartInMs={} lastError={}",
        exit.service(),
        exit.status(),
        recorded.at().toMillis(),
        recorded.restartAfter().toMillis(),
        exit.lastError());
    if (!scheduler.isShutdown()) {
      schedule(() -> startAgain(service, "its exit"), recorded.restartAfter());
    }
  }

  /** Starts {@code service} again after {@code what}; false, a problem noted, if it failed. */
  private boolean startAgain(ServiceProcess service, String what) {
    try {
      service.start();
      LOG.info(
          "chaos restart after {} service={} pid={} atMs={}",
          what,
          service.name(),
          service.pid(),
          sinceStart().toMillis());
      return true;
    } catch (Exception e) {
      problem("restarting " + service.name() + " after " + what + " failed: " + e);
      return false;
    }
  }

  private void restart(ServiceProcess service) {
    if (!startAgain(service, "a kill")) {
      return;
    }
    if (service.kills() < killsPerService) {
      Random random;
      synchronized (this) {
        random = services.get(service);
      }
      schedule(() -> kill(service), draw(random, timing.upMin(), timing.upMax()));
    }
  }

  private synchronized void problem(String what) {
    problems.add(what);
    LOG.warn("chaos problem: {}", what);
  }

  private synchronized Duration sinceStart() {
    return Duration.between(startedAt, clock.instant());
  }

  private void schedule(Runnable action, Duration delay) {
    Runnable guarded =
        () -> {
          try {
            action.run();
          } catch (RuntimeException e) {
            problem("chaos action failed: " + e);
          }
        };
    scheduler.schedule(guarded, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Duration draw(Random random, Duration min, Duration max) {
    long spread = max.toMillis() - min.toMillis();
    return spread <= 0 ? min : min.plusMillis((long) (random.nextDouble() * (spread + 1)));
  }

  /** Stops scheduling; services are left as they are (the test stops them). */
  @Override
  public void close() {
    stop();
  }

  /** Stops scheduling and waits for a kill or restart under way; services are left as they are. */
  void stop() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
