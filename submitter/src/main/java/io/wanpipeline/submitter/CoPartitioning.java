package io.wanpipeline.submitter;

import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;

/**
 * Checks that a ledger has exactly the partitions of the topic it records, before a loop starts: a
 * ledger entry lives on the partition number of the record it is about, and is read back by it.
 */
public final class CoPartitioning {
  private CoPartitioning() {}

  /**
   * @param consumer a consumer to ask for the partitions
   * @param topic the topic whose records are recorded
   * @param ledger the ledger topic
   * @param ledgerName what the ledger is, for the message ("the submission ledger")
   * @throws IllegalStateException when {@code topic} does not exist or the counts differ
   */
  public static void check(
      Consumer<?, ?> consumer, String topic, String ledger, String ledgerName) {
    List<PartitionInfo> topicParts = consumer.partitionsFor(topic);
    List<PartitionInfo> ledgerParts = consumer.partitionsFor(ledger);
    if (topicParts == null || topicParts.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist");
    }
    if (ledgerParts == null || ledgerParts.size() != topicParts.size()) {
      throw new IllegalStateException(
          ledgerName
              + " "
              + ledger
              + " must have as many partitions as "
              + topic
              + " ("
              + topicParts.size()
              + "), has "
              + (ledgerParts == null ? "none" : ledgerParts.size()));
    }
  }
}
