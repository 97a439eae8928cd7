package io.wanpipeline.submitter;

import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import java.time.Instant;
import java.util.Optional;

/** Decides, from the ledger's entry of a request_id, what may be done with a request record. */
public final class LedgerCheck {
  private LedgerCheck() {}

  /** What the ledger allows. */
  public sealed interface Verdict {
    /** Never attempted: validate, then submit. */
    record Fresh() implements Verdict {}

    /** Already ended (SUBMITTED, REJECTED or FAILED) with the same content: do nothing. */
    record Skip(SubmissionLedgerEntry entry) implements Verdict {}

    /** Same request_id, different content: the idempotency key was reused. */
    record KeyReused(SubmissionLedgerEntry entry) implements Verdict {}

    /** A create call was made and its answer never recorded: never resubmit. */
    record InDoubt(SubmissionLedgerEntry entry) implements Verdict {}

    /** Refused with a retryable answer earlier; retry at {@code retryAt}. */
    record Resume(int attempts, Instant firstAttemptAt, Instant retryAt) implements Verdict {}
  }

  /**
   * The intake's verdict for a request with content {@code fingerprint} given the {@code
   * submissions} ledger's {@code entry}: Fresh, KeyReused, or Skip for any entry with the same
   * fingerprint (the request was already queued, rejected or handled).
   */
  public static Verdict intake(Optional<SubmissionLedgerEntry> entry, String fingerprint) {
    if (entry.isEmpty()) {
      return new Verdict.Fresh();
    }
    SubmissionLedgerEntry e = entry.get();
    return e.getFingerprint().equals(fingerprint) ? new Verdict.Skip(e) : new Verdict.KeyReused(e);
  }

  /**
   * The dispatcher's verdict for a queued request with content {@code fingerprint} given the
   * dispatch ledger's {@code entry}.
   */
  public static Verdict check(Optional<SubmissionLedgerEntry> entry, String fingerprint) {
    if (entry.isEmpty()) {
      return new Verdict.Fresh();
    }
    SubmissionLedgerEntry e = entry.get();
    if (!e.getFingerprint().equals(fingerprint)) {
      return new Verdict.KeyReused(e);
    }
    SubmissionKind kind = e.getKind();
    return switch (kind) {
      case INTENT -> new Verdict.InDoubt(e);
      case DEFERRED ->
          new Verdict.Resume(
              e.getAttempts(),
              e.getFirstAttemptAt(),
              e.getRetryAt() == null ? e.getRecordedAt() : e.getRetryAt());
      // An entry kind written by a newer version is never a licence to submit.
      case SUBMITTED, REJECTED, FAILED, QUEUED, UNRECOGNIZED -> new Verdict.Skip(e);
    };
  }
}
