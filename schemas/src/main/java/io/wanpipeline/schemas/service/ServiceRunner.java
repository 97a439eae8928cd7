package io.wanpipeline.schemas.service;

import io.wanpipeline.schemas.config.Settings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The body of every service's {@code main}: logs uncaught errors, loads {@link Settings} from the
 * optional properties file {@code args[0]} overlaid by the environment, builds the service with the
 * system clock, closes it from a shutdown hook, starts it and blocks until the hook has closed it.
 */
public final class ServiceRunner {
  private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

  private ServiceRunner() {}

  /**
   * Runs the service built by {@code factory} until the JVM shuts down.
   *
   * @param name the service's name, for logs and the shutdown thread
   * @param args the command line; {@code args[0]}, if given, is the properties file
   * @param factory builds the (not yet started) service from the settings and a clock
   */
  public static <S extends PipelineService> void run(
      String name, String[] args, BiFunction<Settings, Clock, S> factory)
      throws InterruptedException {
    Thread.setDefaultUncaughtExceptionHandler(
        (t, e) -> log.error("Uncaught error: service={}, thread={}", name, t.getName(), e));
    Settings settings = Settings.load(args.length > 0 ? Path.of(args[0]) : null, System.getenv());
    S service = factory.apply(settings, Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  service.close();
                  stopped.countDown();
                },
                name + "-shutdown"));
    service.start();
    stopped.await();
  }
}
