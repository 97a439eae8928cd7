package io.wanpipeline.status.http;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.internal.RequestLifecycle;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the status HTTP API asks the running view; each instance holds some partitions. */
public interface StatusQueries {
  /** The request's lifecycle if this instance holds it. */
  Optional<RequestLifecycle> localRequest(String requestId);

  /** The instance whose store holds {@code requestId} (this one or another). */
  URI owner(String requestId);

  /**
   * The requests this instance holds that match {@code selection}, the most recently updated first,
   * at most {@code limit}.
   */
  List<RequestLifecycle> localRequests(Selection selection, int limit);

  /** The request's charge if this instance holds it and billing has charged it. */
  Optional<Charge> localCharge(String requestId);

  /**
   * This instance's requests of {@code batchId} whose request_id sorts after {@code after} (all
   * when null), in request_id order, at most {@code limit}.
   */
  List<RequestLifecycle> localBatchPage(String batchId, String after, int limit);

  /** Every batch this instance holds requests of, each counted by latest state. */
  Map<String, Map<String, Long>> localBatches();

  /** This instance's requests of {@code batchId}, counted by latest state. */
  Map<String, Long> localBatchCounts(String batchId);

  /**
   * This instance's requests in flight: how many in each latest state, and the {@code limit} that
   * have waited longest (by their first event), oldest first.
   */
  InFlight localInFlight(int limit);

  /** This instance's requests whose latest state is a failure, the newest first, at most limit. */
  List<RequestLifecycle> localFailures(int limit);

  /** This instance's most recently updated requests, the newest first, at most {@code limit}. */
  List<RequestLifecycle> localRecent(int limit);

  /** This instance's part of billing's totals of UTC day {@code day} (yyyy-MM-dd). */
  List<AccountTotal> localTotals(String day);

  /** Every instance of the view (for queries that gather from all). */
  List<URI> instances();

  /** This instance's advertised URL. */
  URI self();

  /**
   * Which requests: of an account, of a batch, in flight, or a combination (all must hold).
   *
   * @param account account_id, or null
   * @param batch batch id, or null
   * @param inFlight only requests not in a terminal state
   */
  record Selection(String account, String batch, boolean inFlight) {}

  /**
   * Requests in flight.
   *
   * @param counts how many, by latest state
   * @param oldest those that have waited longest, oldest first
   */
  record InFlight(Map<String, Long> counts, List<RequestLifecycle> oldest) {}
}
