package io.wanpipeline.infra.simulator;

import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A faithful stand-in for the DashScope video API (wan-protocol.md 1) on a Jetty 12 core handler:
 * both create paths, task query, cancel and list, the real error bodies, a task lifecycle driven by
 * the configured clock with per-(account, model) concurrency caps, scenario markers in the prompt
 * ({@link ScenarioMarkers}), seeded fault injection per route, OSS-V1-signed result links that
 * expire and refuse an {@code Authorization} header, real MP4 bytes, and a {@link SimulatorLedger}.
 * Gateway front ends serve their own paths, envelopes and errors over the same tasks, ledger,
 * faults and links; each is tried in order before the native routes.
 *
 * <p>Start with {@link #start(SimulatorConfig)}; close to stop. Point a client at {@link
 * #baseUrl()} (the official SDK at {@code baseUrl() + "/api/v1"}).
 */
public final class WanSimulator implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WanSimulator.class);

  private final SimulatorConfig config;
  private final Server server;
  private final ServerConnector connector;
  private final TaskBoard board;
  private final SimulatorLedger ledger;
  private final SimulatorHandler handler;
  private final Map<String, String> videoShas = new ConcurrentHashMap<>();
  private final Map<Route, Faults> faults;
  private volatile String baseUrl;

  private WanSimulator(SimulatorConfig config) {
    this.config = config;
    this.faults = new EnumMap<>(Route.class);
    this.faults.putAll(config.faults());
    ModelRules rules = new CatalogueModelRules(ModelCatalogue.standard());
    this.board =
        new TaskBoard(
            model ->
                config.concurrencyCaps().containsKey(model)
                    ? config.concurrencyCaps().get(model)
                    : rules.concurrencyOf(model).orElse(config.defaultConcurrencyCap()),
            config.taskRetention());
    this.ledger = new SimulatorLedger(this::taskRecords);
    OssLinkSigner signer = new OssLinkSigner(config.bucket(), accessKeyId(config.seed()), secret());
    this.handler =
        new SimulatorHandler(
            config,
            rules,
            board,
            ledger,
            signer,
            new FaultDice(config.seed()),
            this::faultsOf,
            WanSimulator::payloadOf,
            this::shaOf,
            () -> baseUrl);
    QueuedThreadPool pool = new QueuedThreadPool(64, 2);
    pool.setName("wan-sim");
    pool.setDaemon(true);
    this.server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    this.connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    server.addConnector(connector);
    server.setHandler(
        new Handler.Sequence(
            new CrazyrouterFrontEnd(handler),
            new ApiyiFrontEnd(handler),
            new MuleRouterFrontEnd(handler),
            new VtrixFrontEnd(handler),
            handler));
  }

  /**
   * Starts a simulator and returns once it accepts connections.
   *
   * @throws IllegalStateException when the port cannot be bound
   */
  public static WanSimulator start(SimulatorConfig config) {
    WanSimulator sim = new WanSimulator(Objects.requireNonNull(config, "config"));
    try {
      sim.server.start();
    } catch (Exception e) {
      sim.close();
      throw new IllegalStateException("Wan simulator could not start on port " + config.port(), e);
    }
    String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
    sim.baseUrl = "http://" + host + ":" + sim.connector.getLocalPort();
    LOG.info("Wan simulator listening baseUrl={}", sim.baseUrl);
    return sim;
  }

  /** Starts a simulator with {@link SimulatorConfig#defaults()}. */
  public static WanSimulator start() {
    return start(SimulatorConfig.defaults());
  }

  /** Scheme, host and port, e.g. {@code http://127.0.0.1:41234}; API paths start with /api/v1. */
  public String baseUrl() {
    return baseUrl;
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  /** The configuration it was started with (faults may since have been replaced). */
  public SimulatorConfig config() {
    return config;
  }

  /** What the simulator has seen so far. */
  public SimulatorLedger ledger() {
    return ledger;
  }

  /**
   * A client whose task queries reach this simulator's task board in-process, without HTTP (same
   * key check, query budget, ledger and answers as the query route, no injected faults); create,
   * cancel and list calls go to {@code others}. For benchmarks of a caller that loopback HTTP would
   * otherwise limit.
   */
  public WanClient inProcessClient(WanClient others) {
    return new BoardClient(handler, others);
  }

  /** Replaces the injected faults of {@code route} from now on. */
  public void setFaults(Route route, Faults faults) {
    synchronized (this.faults) {
      this.faults.put(route, Objects.requireNonNull(faults, "faults"));
    }
  }

  /** The task's status at the simulator clock's now; empty when no such task was created. */
  public Optional<ProviderStatus> status(String taskId) {
    Instant now = config.clock().instant();
    return board.find(taskId, now).map(t -> board.statusOf(t, now));
  }

  /**
   * SHA-256 (lower-case hex) of the MP4 the task's result link serves; empty for unknown tasks.
   * Every task serves different bytes.
   */
  public Optional<String> videoSha256(String taskId) {
    return board.find(taskId, config.clock().instant()).map(this::shaOf);
  }

  /** Size in bytes of the MP4 the task's result link serves; empty for unknown tasks. */
  public Optional<Long> videoLength(String taskId) {
    return board.find(taskId, config.clock().instant()).map(t -> payloadOf(t).length());
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("Wan simulator did not stop cleanly baseUrl={}", baseUrl, e);
    }
  }

  private Faults faultsOf(Route route) {
    synchronized (faults) {
      return faults.getOrDefault(route, Faults.NONE);
    }
  }

  private static VideoPayload payloadOf(SimulatedTask task) {
    return new VideoPayload(task.taskId, task.videoBytes);
  }

  private String shaOf(SimulatedTask task) {
    return videoShas.computeIfAbsent(task.taskId, id -> payloadOf(task).sha256());
  }

  private List<SimulatorLedger.TaskRecord> taskRecords() {
    Instant now = config.clock().instant();
    List<SimulatorLedger.TaskRecord> out = new ArrayList<>();
    for (SimulatedTask t : board.all(now)) {
      TaskBoard.Timeline tl = board.timeline(t, now);
      boolean succeeded = tl.status() == ProviderStatus.SUCCEEDED;
      out.add(
          new SimulatorLedger.TaskRecord(
              t.taskId,
              t.pipelineRequestId,
              t.account,
              t.keyId,
              t.model,
              t.endpointPath,
              t.tier,
              t.usageMillis,
              tl.status().name(),
              t.failCode != null && tl.status() == ProviderStatus.FAILED ? t.failCode : null,
              t.submitted,
              tl.started() != null && !tl.started().isAfter(now) ? tl.started() : null,
              tl.ended() != null && !tl.ended().isAfter(now) ? tl.ended() : null,
              succeeded ? shaOf(t) : null,
              succeeded ? payloadOf(t).length() : 0));
    }
    return out;
  }

  /** {@code LTAI5t} + 18 letters and digits, stable for a seed, like a real AccessKey id. */
  private static String accessKeyId(long seed) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    Random r = new Random(seed * 31 + 7);
    StringBuilder b = new StringBuilder("LTAI5t");
    for (int i = 0; i < 18; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  private static byte[] secret() {
    byte[] s = new byte[30];
    new SecureRandom().nextBytes(s);
    return s;
  }
}
