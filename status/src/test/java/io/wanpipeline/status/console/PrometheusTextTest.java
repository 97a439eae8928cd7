package io.wanpipeline.status.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.status.console.PrometheusText.Sample;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  @Test
  void readsNamesLabelsAndValuesAndPassesOverCommentsAndNoise() {
    List<Sample> samples =
        PrometheusText.parse(
            """
            # HELP wan_dispatch_waiting requests waiting
            # TYPE wan_dispatch_waiting gauge
            wan_dispatch_waiting{account="default",model="wan2.2-i2v-flash",service="submitter",} 3.0
            wan_archive_expiry_at_risk 0.0
            wan_poll_calls_total{account="a\\"b",kind="query",outcome="ok"} 12 1712345678000
            not a sample
            broken{account="x} 1
            """);

    assertThat(samples)
        .containsExactly(
            new Sample(
                "wan_dispatch_waiting",
                Map.of("account", "default", "model", "wan2.2-i2v-flash", "service", "submitter"),
                3.0),
            new Sample("wan_archive_expiry_at_risk", Map.of(), 0.0),
            new Sample(
                "wan_poll_calls_total",
                Map.of("account", "a\"b", "kind", "query", "outcome", "ok"),
                12.0));
  }
}
