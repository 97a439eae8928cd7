package io.wanpipeline.submitter;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.wan.account.ProviderAccount;
import java.time.Instant;
import java.util.Optional;

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
   */
  Optional<Found> reconcile(
      VideoRequest request, ProviderAccount account, SubmissionLedgerEntry intent);

  /** Proves nothing: every in-doubt request ends FAILED SUBMIT_IN_DOUBT. */
  static InDoubtReconciler none() {
    return (request, account, intent) -> Optional.empty();
  }
}
