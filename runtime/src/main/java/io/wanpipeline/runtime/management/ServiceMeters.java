package io.wanpipeline.runtime.management;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wanpipeline.schemas.serde.DeadLetterUnreadableRecords;
import java.util.Objects;

/**
 * The meters of a service. A service records into its own {@link CompositeMeterRegistry} from the
 * moment it is built ({@link #forService}); whoever runs it adds the registry that publishes them
 * ({@link #prometheus}, served on {@code /metrics} by {@link ManagementServer}), and a test adds a
 * {@code SimpleMeterRegistry} to read them. A composite without a registry records nothing and
 * costs next to nothing; a registry added later receives every meter already made.
 *
 * <p>Meter names follow Micrometer's dotted convention ({@code wan.requests.intaken}); Prometheus
 * renders them with underscores and unit suffixes ({@code wan_requests_intaken_total}). Every meter
 * carries the tag {@code service}.
 */
public final class ServiceMeters {
  private ServiceMeters() {}

  /** The registry {@code service} records into, tagged {@code service=<service>}. */
  public static CompositeMeterRegistry forService(String service) {
    Objects.requireNonNull(service, "service");
    CompositeMeterRegistry meters = new CompositeMeterRegistry();
    meters.config().commonTags("service", service);
    return meters;
  }

  /**
   * A Prometheus registry with the JVM's own meters (memory, GC, threads, class loading, CPU,
   * uptime), to publish a service's meters in.
   */
  public static PrometheusMeterRegistry prometheus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    bindJvm(registry);
    return registry;
  }

  /** Adds the JVM's own meters to {@code registry}. */
  public static void bindJvm(MeterRegistry registry) {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry); // not closed: it lives as long as the JVM
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /**
   * The meter {@code wan.records.unreadable} (tag {@code topic}) of a Kafka Streams service, fed by
   * its deserialization handler ({@link DeadLetterUnreadableRecords#LISTENER_CONFIG}): the one
   * place that names and describes it for the poller and billing.
   */
  public static DeadLetterUnreadableRecords.Listener unreadableRecords(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    return topic ->
        Counter.builder("wan.records.unreadable")
            .description(
                "records sent to the service's dead-letter topic because they could not be read")
            .tag("topic", topic)
            .register(registry)
            .increment();
  }
}
