package io.wanpipeline.runtime.service;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.runtime.management.Readiness;
import java.util.Optional;

/**
 * One of the pipeline's services as its process runs it: built, started once, asked whether it has
 * failed while it runs, closed once at shutdown.
 */
public interface PipelineService extends AutoCloseable {
  /** Starts the service's work in the background; does not block. */
  void start();

  /**
   * Why the service can no longer do its work although nobody asked it to stop: a loop or thread
   * that ended on an error or ended at all, Kafka Streams in {@code ERROR} or without a live stream
   * thread. Empty while it works, and while it waits for something it retries by itself (the
   * broker, the schema registry while it reads). Once present it stays present until {@link
   * #close()}, after which nothing is reported: a closing service's loops end on purpose.
   *
   * <p>Asked between {@link #start()} and {@link #close()}, about once a second, by {@link
   * ServiceRunner}, which then ends the process (status {@link ServiceRunner#FAILED_STATUS}) so
   * that its supervisor restarts it. Returns at once: no I/O, and no lock that {@link #close()}
   * holds.
   */
  Optional<Throwable> failure();

  /**
   * Whether the service can take work now, and if not what it waits for: Kafka Streams restoring or
   * rebalancing, a loop not yet in its consumer group, the schema registry or the provider not
   * answering. Served on {@code /readyz}; like {@link #failure()} it returns at once, from memory.
   */
  Readiness readiness();

  /**
   * The registry the service records its meters in, from the moment it is built ({@link
   * io.wanpipeline.runtime.management.ServiceMeters#forService}); the runner adds the registry that
   * publishes them.
   */
  CompositeMeterRegistry meters();

  /** Stops the service gracefully, committing what is done; throws no checked exception. */
  @Override
  void close();
}
