package io.wanpipeline.runtime.loop;

import java.time.Duration;
import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;

/**
 * What a service gives a {@link TransactionalLoop}: the handling of what the loop polls. All its
 * methods run on the loop's thread; it writes through the loop's {@link TransactionalWriter} and
 * lets every exception out to the loop, which classifies it ({@link LoopFailure}) and, unless it is
 * fatal, calls {@link #rewind()}.
 */
public interface LoopStep extends ConsumerRebalanceListener {
  /** The topics the loop subscribes to, with this step as the rebalance listener. */
  Collection<String> topics();

  /**
   * Runs once, before the producer's {@code initTransactions}: checks of the topics, schema
   * registration. An exception stops the loop (a service that cannot start its work must exit).
   */
  default void prepare() {}

  /** Runs once, after {@code initTransactions} and before the subscription. */
  default void initialised() {}

  /** Takes the records of one poll (possibly none). */
  void read(ConsumerRecords<byte[], byte[]> records);

  /**
   * Does the work that is due and commits what is finished.
   *
   * @param stopping true after a stop was asked for: finish what is in hand, start nothing new
   */
  void work(boolean stopping);

  /** How long the next poll may wait for records when nothing is held. */
  Duration pollTimeout();

  /**
   * Forgets everything in memory that is not committed and seeks every owned partition back to its
   * last committed offset, after an aborted transaction or a failed turn.
   */
  void rewind();

  /** Whether work is in hand that a stopping loop gives its shutdown grace to finish. */
  default boolean busy() {
    return false;
  }

  /** Releases the step's own resources, after the loop's last turn; must not throw. */
  default void close() {}
}
