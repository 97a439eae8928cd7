package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScenarioMarkersTest {

  @Test
  void readsEveryMarker() {
    ScenarioMarkers m =
        ScenarioMarkers.parse(
            "a cat [sim:fail=InternalError.Timeout] [sim:seconds=10.23] [sim:pending-ms=5]"
                + " [sim:run-ms=7] [sim:video-bytes=1048576] [sim:submit=lost-reply]");
    assertThat(m.failCode()).isEqualTo("InternalError.Timeout");
    assertThat(m.seconds()).isEqualByComparingTo(new BigDecimal("10.23"));
    assertThat(m.pendingTime()).isEqualTo(Duration.ofMillis(5));
    assertThat(m.runningTime()).isEqualTo(Duration.ofMillis(7));
    assertThat(m.videoBytes()).isEqualTo(1_048_576L);
    assertThat(m.submitFault()).isEqualTo("lost-reply");
  }

  @Test
  void bareFailDefaultsToAnAlgorithmErrorAndFlagsAreRead() {
    assertThat(ScenarioMarkers.parse("[sim:fail]").failCode()).isEqualTo("InternalError.Algo");
    assertThat(ScenarioMarkers.parse("x [sim:never-finish]").neverFinish()).isTrue();
    assertThat(ScenarioMarkers.parse("[sim:pending-forever] y").pendingForever()).isTrue();
  }

  @Test
  void ignoresPlainPromptsUnknownMarkersAndBadValues() {
    assertThat(ScenarioMarkers.parse("a [simple] prompt")).isEqualTo(ScenarioMarkers.NONE);
    assertThat(ScenarioMarkers.parse(null)).isEqualTo(ScenarioMarkers.NONE);
    assertThat(ScenarioMarkers.parse("[sim:teleport] [sim:seconds=soon]"))
        .isEqualTo(ScenarioMarkers.NONE);
  }

  @Test
  void stripsMarkersSoAMarkerOnlyPromptCountsAsNone() {
    assertThat(ScenarioMarkers.strip("[sim:fail]  a cat  [sim:run-ms=5]")).isEqualTo("a cat");
    assertThat(ScenarioMarkers.strip(" [sim:run-ms=100] ")).isNull();
    assertThat(ScenarioMarkers.strip("plain")).isEqualTo("plain");
    assertThat(ScenarioMarkers.strip(null)).isNull();
  }
}
