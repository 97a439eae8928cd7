package io.wanpipeline.wan.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class GatewayTimeTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @Test
  void readsIsoInstantsWithAndWithoutOffsetAndFraction() {
    assertThat(GatewayTime.parse(F.textNode("2025-01-15T10:30:00Z")))
        .isEqualTo(Instant.parse("2025-01-15T10:30:00Z"));
    assertThat(GatewayTime.parse(F.textNode("2025-01-15T18:30:00.250+08:00")))
        .isEqualTo(Instant.parse("2025-01-15T10:30:00.250Z"));
  }

  @Test
  void readsEpochSecondsAndMillisAsNumbersOrText() {
    assertThat(GatewayTime.parse(F.numberNode(1760180156L)))
        .isEqualTo(Instant.ofEpochSecond(1760180156L));
    assertThat(GatewayTime.parse(F.numberNode(1760180156123L)))
        .isEqualTo(Instant.ofEpochMilli(1760180156123L));
    assertThat(GatewayTime.parse(F.numberNode(new BigDecimal("1760180156.5"))))
        .isEqualTo(Instant.ofEpochMilli(1760180156500L));
    assertThat(GatewayTime.parse(F.textNode("1760180156")))
        .isEqualTo(Instant.ofEpochSecond(1760180156L));
  }

  @Test
  void answersNullForAbsentOrUnreadableTimes() {
    assertThat(GatewayTime.parse(null)).isNull();
    assertThat(GatewayTime.parse(F.nullNode())).isNull();
    assertThat(GatewayTime.parse(F.textNode("yesterday"))).isNull();
    assertThat(GatewayTime.parse(F.numberNode(0))).isNull();
  }
}
