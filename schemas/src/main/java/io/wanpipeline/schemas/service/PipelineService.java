package io.wanpipeline.schemas.service;

/**
 * One of the pipeline's services as its process runs it: built, started once, closed once at
 * shutdown.
 */
public interface PipelineService extends AutoCloseable {
  /** Starts the service's work in the background; does not block. */
  void start();

  /** Stops the service gracefully, committing what is done; throws no checked exception. */
  @Override
  void close();
}
