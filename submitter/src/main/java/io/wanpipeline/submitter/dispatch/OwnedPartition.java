package io.wanpipeline.submitter.dispatch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/** The dispatcher's state of one owned queue partition; only the dispatcher thread touches it. */
final class OwnedPartition {
  final TopicPartition tp;
  final OffsetTracker offsets;

  /** The partition's end (read_committed) when it was assigned: nothing is called before it. */
  final long catchUpTo;

  final Map<LaneKey, Lane> lanes = new HashMap<>();

  /** The request_ids of this partition that are waiting, in doubt or in flight. */
  final Set<String> known = new HashSet<>();

  OwnedPartition(TopicPartition tp, long position, long catchUpTo) {
    this.tp = tp;
    this.offsets = new OffsetTracker(position);
    this.catchUpTo = catchUpTo;
  }

  int partition() {
    return tp.partition();
  }
}
