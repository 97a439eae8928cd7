package io.wanpipeline.runtime.loop;

import io.wanpipeline.runtime.transaction.TransactionFailure;
import io.wanpipeline.schemas.registry.SchemaRegistryException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;

/**
 * What an exception out of a transactional loop's turn means for the loop, decided once for every
 * loop ({@link TransactionalLoop}). Whatever is not {@link #FATAL} is survived by reading the owned
 * partitions again from the last commit; the kinds differ in how long reading then pauses.
 */
public enum LoopFailure {
  /**
   * The loop cannot go on: a fenced or unauthorised client ({@link TransactionFailure#fatal}),
   * wherever it was thrown (the producer, or the consumer's poll of a static member fenced by a
   * newer one), a failed abort ({@link TransactionalWriter.Fatal}), or an interrupted or woken
   * client when nobody asked the loop to stop. The loop stops and reports it, so the service's
   * process exits non-zero and is restarted.
   */
  FATAL,

  /**
   * A transaction was aborted (a rebalance, a broker or coordinator failure, a timeout, an output
   * that can never be written where the step does not route it): read again at once.
   */
  ABORTABLE,

  /**
   * The schema registry did not answer (no response, 408, 429, 5xx), while a record was read or an
   * output serialized: read again after the loop's registry pause, since it may be back then.
   */
  REGISTRY_UNAVAILABLE,

  /**
   * Anything else, a bug or an error nobody foresaw: logged with its stack trace, and read again
   * after the loop's error pause (nothing is half-written, every write is one transaction).
   */
  UNEXPECTED;

  /** Classifies {@code failure}, thrown out of a turn of a loop that was not asked to stop. */
  public static LoopFailure of(Throwable failure) {
    if (TransactionFailure.fatal(failure)
        || has(failure, TransactionalWriter.Fatal.class)
        || failure instanceof WakeupException
        || failure instanceof InterruptException) {
      return FATAL;
    }
    if (SchemaRegistryException.unavailable(failure)) {
      return REGISTRY_UNAVAILABLE;
    }
    if (has(failure, TransactionalWriter.Aborted.class)) {
      return ABORTABLE;
    }
    return UNEXPECTED;
  }

  /**
   * Whether {@code failure} or one of its causes (a rebalance callback's, say) is a {@code type}.
   */
  private static boolean has(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
