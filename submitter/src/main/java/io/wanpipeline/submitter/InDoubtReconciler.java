package io.wanpipeline.submitter;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.wan.account.ProviderAccount;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The seam where a request found in doubt (INTENT recorded, no answer) may be proved submitted or
 * not, for example with the provider's list query; a request left unresolved ends FAILED with code
 * {@code SUBMIT_IN_DOUBT}. It must never resubmit.
 */
@FunctionalInterface
public interface InDoubtReconciler {

  /** A task proved to exist for the request. */
  record Found(String taskId, String apiKeyRef, Instant submittedAt) {}

  /**
   * The task the in-doubt {@code request} created, if it can be proved; empty leaves it in doubt.
   * Called on a dispatcher worker thread while no other create call of the request's (account,
   * model) is in flight.
   *
   * @param request the request whose create call went unanswered
   * @param account the provider account it was submitted with
   * @param intent the dispatch ledger's INTENT entry (attempts, recorded_at, api_key_ref of the key
   *     used)
   * @param knownTaskIds the task ids the dispatch ledger of the request's partition already holds
   *     for the same (account, model): a listed task among them belongs to another request
   */
  Optional<Found> reconcile(
      VideoRequest request,
      ProviderAccount account,
      SubmissionLedgerEntry intent,
      Set<String> knownTaskIds);

  /** Proves nothing: every in-doubt request ends FAILED SUBMIT_IN_DOUBT. */
  static InDoubtReconciler none() {
    return (request, account, intent, knownTaskIds) -> Optional.empty();
  }
}
