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
   *
   * @param request the request found in doubt
   * @param account the provider account it was submitted to
   * @param intent its INTENT entry ({@code recorded_at} just before the create call, {@code
   *     api_key_ref} the key the call used when recorded)
   * @param knownTaskIds every task id the pipeline knows for the request's (account, model); none
   *     of them can be the in-doubt request's task
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
