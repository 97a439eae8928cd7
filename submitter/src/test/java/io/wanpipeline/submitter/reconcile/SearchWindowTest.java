package io.wanpipeline.submitter.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SearchWindowTest {
  private final Clock clock =
      Clock.fixed(Instant.parse("2026-03-01T10:00:00.250Z"), ZoneOffset.UTC);

  @Test
  void spansSkewBeforeTheIntentToTimeoutPlusSkewAfterIt() {
    Instant recordedAt = clock.instant();
    SearchWindow w = SearchWindow.around(recordedAt, Duration.ofSeconds(30), Duration.ofMinutes(2));
    assertThat(w.start()).isEqualTo(Instant.parse("2026-03-01T09:58:00.250Z"));
    assertThat(w.end()).isEqualTo(Instant.parse("2026-03-01T10:02:30.250Z"));
  }

  @Test
  void boundsAreInclusive() {
    SearchWindow w =
        SearchWindow.around(clock.instant(), Duration.ofSeconds(30), Duration.ofMinutes(2));
    assertThat(w.contains(w.start())).isTrue();
    assertThat(w.contains(w.end())).isTrue();
    assertThat(w.contains(w.start().minusMillis(1))).isFalse();
    assertThat(w.contains(w.end().plusMillis(1))).isFalse();
    assertThat(w.contains(clock.instant())).isTrue();
  }

  @Test
  void zeroSkewAndTimeoutIsTheIntentInstantOnly() {
    SearchWindow w = SearchWindow.around(clock.instant(), Duration.ZERO, Duration.ZERO);
    assertThat(w.start()).isEqualTo(clock.instant());
    assertThat(w.end()).isEqualTo(clock.instant());
  }

  @Test
  void reconcilerUsesItsSettingsForTheWindow() {
    var reconciler =
        new ListQueryReconciler(
            account -> {
              throw new AssertionError("no client needed");
            },
            new ListCallAllowance(clock, 1, 1),
            new ListQueryReconciler.Settings(
                Duration.ofSeconds(45), Duration.ofSeconds(90), 50, 3));
    SearchWindow w = reconciler.windowOf(clock.instant());
    assertThat(w.start()).isEqualTo(clock.instant().minusSeconds(90));
    assertThat(w.end()).isEqualTo(clock.instant().plusSeconds(135));
  }

  @Test
  void refusesNegativeDurationsAndInvertedWindows() {
    assertThatThrownBy(
            () -> SearchWindow.around(clock.instant(), Duration.ofSeconds(-1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("createCallTimeout");
    assertThatThrownBy(
            () -> SearchWindow.around(clock.instant(), Duration.ZERO, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("skew");
    assertThatThrownBy(() -> new SearchWindow(clock.instant(), clock.instant().minusMillis(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
