package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads what billing committed (read_committed, from the beginning): every {@code Charge} by
 * request_id, the last {@code AccountTotal} of each {@code account|day|currency} key of the
 * compacted {@code billing-totals}, and the requests flagged unpriced.
 */
final class BillingTally implements AutoCloseable {
  private final CommittedReader<Charge> charges;
  private final CommittedReader<AccountTotal> totals;
  private final CommittedReader<TaskStatus> unpriced;
  private final Map<String, List<Charge>> chargesByRequest = new HashMap<>();
  private final Map<String, AccountTotal> lastTotals = new TreeMap<>();
  private final Map<String, Integer> unpricedRequests = new TreeMap<>();

  BillingTally(String bootstrapServers, Topics topics) {
    this.charges = new CommittedReader<>(bootstrapServers, topics.billingCharges());
    this.totals = new CommittedReader<>(bootstrapServers, topics.billingTotals());
    this.unpriced = new CommittedReader<>(bootstrapServers, topics.billingUnpriced());
  }

  /** Reads what was committed since the last call, up to the current end of every partition. */
  synchronized BillingTally refresh() {
    charges.readToEnd(
        (key, c) ->
            chargesByRequest.computeIfAbsent(c.getRequestId(), k -> new ArrayList<>()).add(c));
    totals.readToEnd((key, t) -> lastTotals.put(key, t));
    unpriced.readToEnd((key, s) -> unpricedRequests.merge(s.getRequestId(), 1, Integer::sum));
    return this;
  }

  /** Every charge read, by request_id. */
  synchronized Map<String, List<Charge>> charges() {
    Map<String, List<Charge>> out = new TreeMap<>();
    chargesByRequest.forEach((id, list) -> out.put(id, List.copyOf(list)));
    return out;
  }

  /** The last total of each {@code account|day|currency} key. */
  synchronized Map<String, AccountTotal> totals() {
    return new TreeMap<>(lastTotals);
  }

  /** The sum of {@code task_count} over the last totals. */
  synchronized long countedTasks() {
    return lastTotals.values().stream().mapToLong(AccountTotal::getTaskCount).sum();
  }

  /** The requests flagged unpriced, with how often. */
  synchronized Map<String, Integer> unpriced() {
    return new TreeMap<>(unpricedRequests);
  }

  @Override
  public synchronized void close() {
    charges.close();
    totals.close();
    unpriced.close();
  }
}
