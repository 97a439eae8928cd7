package io.wanpipeline.infra.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.billing.BillingMain;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.testing.ManagementProbe;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineEnv.Service;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.runtime.service.PipelineService;
import io.wanpipeline.status.StatusMain;
import io.wanpipeline.submitter.SubmitterMain;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each service's management endpoints over HTTP, the service built by its own main's factory
 * against a real broker, registry, S3 server and simulator: alive and not ready before it starts,
 * ready once its loops are in their groups or its Streams client runs, its own and its Kafka
 * clients' meters on {@code /metrics}; and, where a loop or Streams client cannot initialise its
 * transactions (a transaction timeout the broker refuses), alive and not ready at first, then
 * reported dead.
 */
class ManagementEndpointsIT {
  /**
   * Above the broker's {@code transaction.max.timeout.ms} (15 min): initTransactions is refused.
   */
  private static final String REFUSED_TRANSACTION_TIMEOUT = "3600000";

  private static final Duration READY_WITHIN = Duration.ofSeconds(90);

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(SimulatorConfig.builder()).withS3().named("mgmt");

  @TempDir Path stateDir;

  @Test
  void submitterIsReadyWhenBothLoopsAreInTheirGroups(PipelineEnv env) {
    assertReadyAndMeasured(
        env,
        Service.SUBMITTER,
        SubmitterMain::create,
        Map.of(),
        List.of(
            "kafka_consumer_",
            "loop=\"submitter-intake\"",
            "loop=\"submitter-dispatch\"",
            "service=\"submitter\""));
  }

  @Test
  void pollerIsReadyWhenItsStreamsClientRuns(PipelineEnv env) {
    assertReadyAndMeasured(
        env,
        Service.POLLER,
        PollerMain::create,
        Map.of("poller.state-dir", stateDir.resolve("poller").toString()),
        List.of("kafka_stream_", "service=\"poller\""));
  }

  @Test
  void archiverIsReadyWhenItsLoopIsInItsGroup(PipelineEnv env) {
    assertReadyAndMeasured(
        env,
        Service.ARCHIVER,
        ArchiverMain::create,
        Map.of(),
        List.of(
            "kafka_consumer_",
            "loop=\"archiver\"",
            "wan_archive_archived_total{service=\"archiver\"} 0.0",
            "wan_archive_expiry_at_risk{service=\"archiver\"} 0.0"));
  }

  @Test
  void billingIsReadyWhenItsStreamsClientRuns(PipelineEnv env) {
    assertReadyAndMeasured(
        env,
        Service.BILLING,
        BillingMain::create,
        Map.of("billing.state-dir", stateDir.resolve("billing").toString()),
        List.of("kafka_stream_", "wan_billing_unpriced_total{service=\"billing\"} 0.0"));
  }

  @Test
  void theStatusViewIsReadyWhenItsStreamsClientRuns(PipelineEnv env) {
    assertReadyAndMeasured(
        env,
        Service.STATUS,
        StatusMain::create,
        Map.of(
            "status.state-dir",
            stateDir.resolve("status").toString(),
            "status.http.port",
            "0",
            "status.http.host",
            "127.0.0.1"),
        List.of("kafka_stream_", "service=\"status\""));
  }

  @Test
  void aSubmitterWhoseTransactionsAreRefusedIsReportedDead(PipelineEnv env) {
    assertReportedDead(env, Service.SUBMITTER, SubmitterMain::create, Map.of());
  }

  @Test
  void anArchiverWhoseTransactionsAreRefusedIsReportedDead(PipelineEnv env) {
    assertReportedDead(env, Service.ARCHIVER, ArchiverMain::create, Map.of());
  }

  private void assertReadyAndMeasured(
      PipelineEnv env,
      Service which,
      BiFunction<Settings, Clock, ? extends PipelineService> factory,
      Map<String, String> extra,
      List<String> series) {
    PipelineService service = build(env, which, factory, extra);
    ManagementProbe probe = env.closeAfter(ManagementProbe.of(which.name(), service));

    assertThat(probe.health().status()).as("alive before it starts").isEqualTo(200);
    ManagementProbe.Answer early = probe.readiness();
    assertThat(early.status()).as("not ready before it starts").isEqualTo(503);
    assertThat(early.body()).contains("not started");

    service.start();

    await()
        .atMost(READY_WITHIN)
        .untilAsserted(() -> assertThat(probe.readiness().status()).isEqualTo(200));
    assertThat(probe.health().body()).isEqualTo("{\"status\":\"UP\"}");
    String metrics = probe.metrics().body();
    assertThat(metrics).contains(series).contains("jvm_memory_used_bytes");
    assertThat(metrics)
        .as("no secret on /metrics")
        .doesNotContain(PipelineEnv.API_KEY)
        .doesNotContain(env.s3().secretKey());
  }

  private void assertReportedDead(
      PipelineEnv env,
      Service which,
      BiFunction<Settings, Clock, ? extends PipelineService> factory,
      Map<String, String> extra) {
    Map<String, String> refused = new java.util.HashMap<>(extra);
    refused.put("kafka.transaction.timeout.ms", REFUSED_TRANSACTION_TIMEOUT);
    PipelineService service = build(env, which, factory, refused);
    ManagementProbe probe = env.closeAfter(ManagementProbe.of(which.name(), service));

    service.start();

    await()
        .atMost(READY_WITHIN)
        .untilAsserted(() -> assertThat(probe.health().status()).isEqualTo(503));
    assertThat(probe.health().body()).contains("\"status\":\"DOWN\"").contains("transaction");
    assertThat(probe.readiness().status()).as("a dead service is not ready").isEqualTo(503);
    assertThat(service.readiness().ready()).isFalse();
  }

  private static PipelineService build(
      PipelineEnv env,
      Service which,
      BiFunction<Settings, Clock, ? extends PipelineService> factory,
      Map<String, String> extra) {
    Map<String, String> settings = env.settings(which);
    settings.putAll(extra);
    return env.closeAfter(factory.apply(Settings.of(settings), Clock.systemUTC()));
  }
}
