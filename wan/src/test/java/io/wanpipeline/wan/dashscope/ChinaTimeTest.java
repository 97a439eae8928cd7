package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ChinaTimeTest {

  @Test
  void taskTimesAreUtcPlusEightWithoutZone() {
    assertThat(ChinaTime.parseTaskTime("2025-10-11 18:55:56.952"))
        .contains(Instant.parse("2025-10-11T10:55:56.952Z"));
    assertThat(ChinaTime.parseTaskTime("2025-10-11 18:55:56"))
        .contains(Instant.parse("2025-10-11T10:55:56Z"));
    assertThat(ChinaTime.parseTaskTime("2025-10-11T18:55:56.9"))
        .contains(Instant.parse("2025-10-11T10:55:56.900Z"));
    assertThat(ChinaTime.parseTaskTime("yesterday")).isEmpty();
    assertThat(ChinaTime.parseTaskTime(null)).isEmpty();
  }

  @Test
  void formatsBothWaysRoundTrip() {
    Instant t = Instant.parse("2025-12-31T16:30:00.123Z");
    assertThat(ChinaTime.formatTaskTime(t)).isEqualTo("2026-01-01 00:30:00.123");
    assertThat(ChinaTime.formatListFilter(t)).isEqualTo("20260101003000");
    assertThat(ChinaTime.parseListFilter("20260101003000"))
        .contains(Instant.parse("2025-12-31T16:30:00Z"));
  }
}
