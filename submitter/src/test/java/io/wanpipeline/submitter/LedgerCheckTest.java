package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LedgerCheckTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  static SubmissionLedgerEntry entry(SubmissionKind kind, String fingerprint) {
    return SubmissionLedgerEntry.newBuilder()
        .setRequestId("r1")
        .setKind(kind)
        .setFingerprint(fingerprint)
        .setRecordedAt(T0)
        .build();
  }

  @Test
  void unknownRequestIsFresh() {
    assertThat(LedgerCheck.check(Optional.empty(), "f"))
        .isInstanceOf(LedgerCheck.Verdict.Fresh.class);
  }

  @Test
  void endedRequestsAreSkipped() {
    for (SubmissionKind kind :
        new SubmissionKind[] {
          SubmissionKind.SUBMITTED,
          SubmissionKind.REJECTED,
          SubmissionKind.FAILED,
          SubmissionKind.UNRECOGNIZED
        }) {
      assertThat(LedgerCheck.check(Optional.of(entry(kind, "f")), "f"))
          .as(kind.name())
          .isInstanceOf(LedgerCheck.Verdict.Skip.class);
    }
  }

  @Test
  void intentWithoutOutcomeIsInDoubtNeverFresh() {
    assertThat(LedgerCheck.check(Optional.of(entry(SubmissionKind.INTENT, "f")), "f"))
        .isInstanceOf(LedgerCheck.Verdict.InDoubt.class);
  }

  @Test
  void differentContentUnderTheSameIdIsKeyReuse() {
    for (SubmissionKind kind : SubmissionKind.values()) {
      assertThat(LedgerCheck.check(Optional.of(entry(kind, "f")), "g"))
          .as(kind.name())
          .isInstanceOf(LedgerCheck.Verdict.KeyReused.class);
    }
  }

  @Test
  void deferredResumesWithItsAttemptsAndRetryTime() {
    SubmissionLedgerEntry deferred = entry(SubmissionKind.DEFERRED, "f");
    deferred.setAttempts(3);
    deferred.setFirstAttemptAt(T0.minusSeconds(60));
    deferred.setRetryAt(T0.plusSeconds(7));
    assertThat(LedgerCheck.check(Optional.of(deferred), "f"))
        .isEqualTo(new LedgerCheck.Verdict.Resume(3, T0.minusSeconds(60), T0.plusSeconds(7)));
  }

  @Test
  void intakeSkipsAnyEntryWithTheSameContentAndRejectsOtherContent() {
    assertThat(LedgerCheck.intake(Optional.empty(), "f"))
        .isInstanceOf(LedgerCheck.Verdict.Fresh.class);
    for (SubmissionKind kind : SubmissionKind.values()) {
      assertThat(LedgerCheck.intake(Optional.of(entry(kind, "f")), "f"))
          .as(kind.name())
          .isInstanceOf(LedgerCheck.Verdict.Skip.class);
      assertThat(LedgerCheck.intake(Optional.of(entry(kind, "f")), "g"))
          .as(kind.name())
          .isInstanceOf(LedgerCheck.Verdict.KeyReused.class);
    }
  }

  @Test
  void aQueuedEntryIsNeverALicenceToSubmit() {
    assertThat(LedgerCheck.check(Optional.of(entry(SubmissionKind.QUEUED, "f")), "f"))
        .isInstanceOf(LedgerCheck.Verdict.Skip.class);
  }
}
