package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.internal.SubmissionKind;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubmissionLedgerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration RETENTION = Duration.ofDays(7);

  private static SubmissionLedgerEntry entry(String requestId, Instant recordedAt) {
    return SubmissionLedgerEntry.newBuilder()
        .setRequestId(requestId)
        .setKind(SubmissionKind.SUBMITTED)
        .setFingerprint("fp")
        .setRecordedAt(recordedAt)
        .setTaskId("t-" + requestId)
        .build();
  }

  @Test
  void entriesPastTheRetentionAreDroppedWhenLoaded() {
    Clock clock = Clock.fixed(T0.plus(Duration.ofDays(8)), ZoneOffset.UTC);
    SubmissionLedger ledger = new SubmissionLedger(RETENTION);
    ledger.load(
        0,
        Map.of(
            "old", entry("old", T0),
            "recent", entry("recent", T0.plus(Duration.ofDays(2)))),
        clock.instant());
    assertThat(ledger.find(0, "old")).isEmpty();
    assertThat(ledger.find(0, "recent")).isPresent();
  }

  @Test
  void entriesAgeOutWhenPruned() {
    SubmissionLedger ledger = new SubmissionLedger(RETENTION);
    ledger.load(0, Map.of(), T0);
    ledger.record(0, entry("a", T0));
    ledger.record(0, entry("b", T0.plus(Duration.ofDays(1))));
    ledger.record(1, entry("c", T0.plus(Duration.ofHours(1))));

    assertThat(ledger.prune(T0.plus(RETENTION))).as("exactly at the retention").isZero();
    assertThat(ledger.prune(T0.plus(RETENTION).plus(Duration.ofMinutes(90)))).isEqualTo(2);
    assertThat(ledger.find(0, "a")).isEmpty();
    assertThat(ledger.find(1, "c")).isEmpty();
    assertThat(ledger.find(0, "b")).isPresent();
    assertThat(ledger.size()).isEqualTo(1);
  }
}
