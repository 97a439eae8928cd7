package io.wanpipeline.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import org.junit.jupiter.api.Test;

class ServiceGaugesTest {
  private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

  @Test
  void exportsEachGaugeAsALiveJmxAttributeUntilClosed() throws Exception {
    AtomicLong unpriced = new AtomicLong(3);
    ServiceGauges gauges =
        ServiceGauges.register("billing", "app-1", Map.of("UnpricedTotal", unpriced::get));
    try {
      assertThat(gauges.name().toString())
          .isEqualTo("io.wanpipeline:type=\"billing\",id=\"app-1\"");
      assertThat(jmx.getAttribute(gauges.name(), "UnpricedTotal")).isEqualTo(3L);
      unpriced.set(5);
      assertThat(jmx.getAttribute(gauges.name(), "UnpricedTotal")).isEqualTo(5L);
      assertThat(jmx.getMBeanInfo(gauges.name()).getAttributes())
          .extracting(a -> a.getName() + ":" + a.getType())
          .containsExactly("UnpricedTotal:long");
    } finally {
      gauges.close();
    }
    assertThat(jmx.isRegistered(gauges.name())).isFalse();
  }

  @Test
  void twoInstancesOfOneServiceInOneJvmGetDistinctNames() {
    try (ServiceGauges a =
            ServiceGauges.register("archiver", "g", Map.of("ExpiryAtRisk", () -> 1));
        ServiceGauges b =
            ServiceGauges.register("archiver", "g", Map.of("ExpiryAtRisk", () -> 2))) {
      assertThat(a.name()).isNotEqualTo(b.name());
      assertThat(b.name().getKeyProperty("id")).isEqualTo("\"g-2\"");
      assertThat(jmx.isRegistered(a.name())).isTrue();
      assertThat(jmx.isRegistered(b.name())).isTrue();
    }
  }
}
