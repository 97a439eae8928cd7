package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.runtime.config.ConfigException;
import io.wanpipeline.runtime.config.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PollerConfigTest {
  private static Map<String, String> minimal() {
    Map<String, String> m = new HashMap<>();
    m.put("kafka.bootstrap.servers", "localhost:9092");
    m.put("schema-registry.url", "http://localhost:8081");
    m.put("provider.default.api-key", "sk-test");
    return m;
  }

  @Test
  void defaults() {
    PollerConfig c = PollerConfig.from(Settings.of(minimal()));
    assertThat(c.timeout()).isEqualTo(Duration.ofMinutes(20));
    assertThat(c.firstPollDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.minInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.maxInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.punctuateInterval()).isEqualTo(Duration.ofMillis(350));
    assertThat(c.callWait()).as("a punctuation never waits for its calls").isZero();
    assertThat(c.latestScheduledInterval())
        .as("due at most one punctuation before max-interval")
        .isEqualTo(Duration.ofMillis(9650));
    assertThat(c.queryRateCap()).as("no per-instance cap unless set").isEmpty();
    assertThat(c.accounts().defaultAccount().limits().queryRate())
        .as("the account's own rate, docs/protocol.md 1.9")
        .isEqualTo(20.0);
    assertThat(c.queryThreads()).isEqualTo(16);
    assertThat(c.unknownThreshold()).isEqualTo(3);
    assertThat(c.applicationId()).isEqualTo("wan-pipeline-poller");
    assertThat(c.budgetMargin()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.lateWatchInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(c.listPolicy()).isEqualTo(ListPolicy.enabled(100));
    assertThat(c.endSweepInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.sessionTimeout()).isEqualTo(Duration.ofSeconds(6));
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.standbyReplicas()).isEqualTo(1);
  }

  @Test
  void failoverAndWatchSettingsAreValidated() {
    Map<String, String> m = minimal();
    m.put("poller.heartbeat-interval", "6s");
    assertThatThrownBy(() -> PollerConfig.from(Settings.of(m)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("poller.heartbeat-interval");
    Map<String, String> w = minimal();
    w.put("poller.late-watch-interval", "1s");
    assertThatThrownBy(() -> PollerConfig.from(Settings.of(w)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("poller.late-watch-interval");
    Map<String, String> l = minimal();
    l.put("poller.list-query", "false");
    assertThat(PollerConfig.from(Settings.of(l)).listPolicy().enabled()).isFalse();
    Map<String, String> e = minimal();
    e.put("poller.end-sweep-interval", "0s");
    assertThat(PollerConfig.from(Settings.of(e)).endSweepInterval()).isZero();
    e.put("poller.end-sweep-interval", "5s");
    assertThat(PollerConfig.from(Settings.of(e)).endSweepInterval()).hasSeconds(5);
  }

  @Test
  void callWaitIsBetweenNoWaitAndTheCallTimeout() {
    Map<String, String> m = minimal();
    m.put("poller.call-wait", "60s");
    assertThat(PollerConfig.from(Settings.of(m)).callWait()).hasSeconds(60);
    m.put("poller.call-wait", "61s");
    assertThatThrownBy(() -> PollerConfig.from(Settings.of(m)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("poller.call-wait");
    m.put("poller.call-wait", "-1s");
    assertThatThrownBy(() -> PollerConfig.from(Settings.of(m)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("poller.call-wait");
  }

  @Test
  void queryRateComesFromTheAccountAndPollerQueryRateIsAnOptionalCap() {
    Map<String, String> m = minimal();
    m.put("provider.default.query-rate", "8");
    m.put("poller.query-rate", "2.5");
    PollerConfig c = PollerConfig.from(Settings.of(m));
    assertThat(c.accounts().defaultAccount().limits().queryRate()).isEqualTo(8.0);
    assertThat(c.queryRateCap()).hasValue(2.5);
  }

  @Test
  void invalidAccountsFailNamingTheKey() {
    Map<String, String> m = minimal();
    m.put("provider.default.query-rate", "0");
    assertThatThrownBy(() -> PollerConfig.from(Settings.of(m)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("provider.default.query-rate");
  }

  @Test
  void minIntervalBelowThreeSecondsIsRejected() {
    Map<String, String> m = minimal();
    m.put("poller.min-interval", "2999ms");
    assertThatThrownBy(() -> PollerConfig.from(Settings.of(m)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("poller.min-interval")
        .hasMessageContaining("3s");
    Map<String, String> three = minimal();
    three.put("poller.min-interval", "3s");
    three.put("poller.max-interval", "4s");
    assertThat(PollerConfig.from(Settings.of(three)).minInterval())
        .isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void otherKeysAreValidatedByName() {
    for (String[] kv :
        new String[][] {
          {"poller.first-poll-delay", "1s"},
          {"poller.max-interval", "4s"},
          {"poller.punctuate-interval", "10s"},
          {"poller.max-interval", "5s"},
          {"poller.query-rate", "0"},
          {"poller.query-rate", "fast"},
          {"poller.timeout", "0s"},
          {"poller.end-sweep-interval", "999ms"},
          {"poller.end-sweep-interval", "6s"}
        }) {
      Map<String, String> m = minimal();
      m.put(kv[0], kv[1]);
      assertThatThrownBy(() -> PollerConfig.from(Settings.of(m)))
          .as(kv[0])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(kv[0]);
    }
  }
}
