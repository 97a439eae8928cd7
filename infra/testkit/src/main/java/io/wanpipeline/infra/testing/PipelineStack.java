package io.wanpipeline.infra.testing;

import io.wanpipeline.infra.registry.LocalSchemaRegistry;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives a service's integration tests what the service runs against: the
 * shared Kafka broker ({@link KafkaBroker}), for the test class a local schema registry on a
 * schemas topic of its own and a Wan simulator configured by the class, and, if asked for ({@link
 * #withS3()}), the shared S3-compatible server ({@link S3Server}). Each test then gets a fresh
 * {@link PipelineEnv}, as a parameter or from {@link #env()}: a unique topic prefix with the
 * pipeline's topics created, unique group ids, a bucket of its own when S3 is asked for, and a
 * producer and readers closed after the test.
 *
 * <p>Register it in a static field, so that the class chooses the simulator's configuration:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PipelineStack stack =
 *     PipelineStack.withSimulator(SimulatorConfig.builder().retryAfter(Duration.ofMillis(200)));
 *
 * @Test
 * void submitsOnce(PipelineEnv env) { ... env.settings(PipelineEnv.Service.SUBMITTER) ... }
 * }</pre>
 */
public final class PipelineStack
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {
  private final SimulatorConfig simulatorConfig;
  private int partitions = 3;
  private String name = "it";
  private boolean withS3;

  private KafkaBroker.Info kafka;
  private S3Server.Info s3;
  private LocalSchemaRegistry registry;
  private WanSimulator simulator;
  private PipelineEnv env;

  private PipelineStack(SimulatorConfig simulatorConfig) {
    this.simulatorConfig = simulatorConfig;
  }

  /** A stack whose simulator runs with {@code config}. */
  public static PipelineStack withSimulator(SimulatorConfig config) {
    return new PipelineStack(java.util.Objects.requireNonNull(config, "config"));
  }

  /** A stack with no simulator, for a service that never calls the provider (billing). */
  public static PipelineStack withoutSimulator() {
    return new PipelineStack(null);
  }

  /** A stack whose simulator runs with {@code config}. */
  public static PipelineStack withSimulator(SimulatorConfig.Builder config) {
    return withSimulator(config.build());
  }

  /** Partitions of each pipeline topic; 3 by default. */
  public PipelineStack partitions(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + count);
    }
    partitions = count;
    return this;
  }

  /**
   * Also starts (or shares) the S3-compatible server; each test gets a bucket name of its own
   * ({@link PipelineEnv#bucket()}) and {@link PipelineEnv#settings} point the service at the
   * server.
   */
  public PipelineStack withS3() {
    withS3 = true;
    return this;
  }

  /**
   * What topic prefixes and group ids start with, to find them in a broker's logs; "it" by default.
   */
  public PipelineStack named(String base) {
    name = base;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    kafka = KafkaBroker.info(context);
    s3 = withS3 ? S3Server.info(context) : null;
    registry = new LocalSchemaRegistry(kafka.bootstrapServers(), kafka.uniqueName("schemas"), 0);
    try {
      simulator = simulatorConfig == null ? null : WanSimulator.start(simulatorConfig);
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (simulator != null) {
        simulator.close();
      }
    } finally {
      if (registry != null) {
        registry.close();
      }
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    env = PipelineEnv.create(kafka, s3, registry.url(), simulator, name, partitions);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    PipelineEnv done = env;
    env = null;
    if (done != null) {
      done.close();
    }
  }

  /** The simulator of the test class; null if it has none ({@link #withoutSimulator()}). */
  public WanSimulator simulator() {
    return simulator;
  }

  /**
   * The current test's environment; only between its {@code @BeforeEach} and {@code @AfterEach}.
   */
  public PipelineEnv env() {
    if (env == null) {
      throw new IllegalStateException("no test is running");
    }
    return env;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == PipelineEnv.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return env();
  }
}
