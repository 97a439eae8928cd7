package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A faithful stand-in for the DashScope video API (docs/protocol.md 1) on a Jetty 12 core handler:
 * both create paths, task query, cancel and list, the real error bodies, a task lifecycle driven by
 * the configured clock with per-(account, model) concurrency caps, scenario markers in the prompt
 * ({@link ScenarioMarkers}), seeded fault injection per route, OSS-V1-signed result links that
 * expire and refuse an {@code Authorization} header, real MP4 bytes, and a {@link SimulatorLedger}.
 * Gateway front ends serve their own paths, envelopes and errors over the same tasks, ledger,
 * faults and links; each is tried in order before the native routes.
 *
 * <p>Start with {@link #start(SimulatorConfig)}; close to stop. Point a client at {@link
 * #baseUrl()} (the official SDK at {@code baseUrl() + "/api/v1"}).
 *
 * <p>Over 400 lines: the simulator's whole public face (start, ledger, faults, links, test hooks)
 * for tests in every module.
 */
public final class WanSimulator implements AutoCloseable {

  /**
   * The header in which the pipeline names the request behind a create call; the ledger keeps it so
   * tests can tell which request created which task. The pipeline's own name for it is {@code
   * WanClient.REQUEST_ID_HEADER}; {@code SimulatorAgreementTest} checks the two agree.
   */
  public static final String PIPELINE_REQUEST_ID_HEADER = "X-Wan-Pipeline-Request-Id";

  private static final Logger LOG = LoggerFactory.getLogger(WanSimulator.class);

  private final SimulatorConfig config;
  private final Server server;
  private final ServerConnector connector;
  private final TaskBoard board;
  private final SimulatorLedger ledger;
  private final SimulatorHandler handler;
  private final Map<String, String> videoShas = new ConcurrentHashMap<>();
  private final Map<Route, Faults> faults;
  private final String linkAccessKeyId;
  private final ServerConnector tlsConnector;
  private final LinkTrustStore trustStore;
  private final Path tlsDir;
  private volatile String baseUrl;
  private volatile String linkBase;

  /**
   * The trust store that makes the https result links' self-signed certificate trusted.
   *
   * @param path PKCS12 file holding the certificate only
   * @param password its password
   */
  public record LinkTrustStore(Path path, String password) {
    @Override
    public String toString() {
      return "LinkTrustStore[path=" + path + ", password=***]";
    }
  }

  private WanSimulator(SimulatorConfig config) {
    this.config = config;
    this.faults = new EnumMap<>(Route.class);
    this.faults.putAll(config.faults());
    ModelRules rules = new ProviderRules(ProviderModels.standard());
    this.board =
        new TaskBoard(
            model ->
                config.concurrencyCaps().containsKey(model)
                    ? config.concurrencyCaps().get(model)
                    : rules.concurrencyOf(model).orElse(config.defaultConcurrencyCap()),
            config.taskRetention());
    this.ledger = new SimulatorLedger(this::taskRecords);
    this.linkAccessKeyId = accessKeyId(config.seed());
    OssLinkSigner signer = new OssLinkSigner(config.bucket(), linkAccessKeyId, secret());
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
            () -> linkBase);
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
    if (config.httpsLinks()) {
      this.tlsDir = createTlsDir();
      String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
      Path keyStore = tlsDir.resolve("simulator-key.p12");
      generateKeyPair(keyStore, password);
      this.trustStore = new LinkTrustStore(trustStoreOf(keyStore, password, tlsDir), password);
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setKeyStorePath(keyStore.toString());
      tls.setKeyStorePassword(password);
      tls.setKeyStoreType("PKCS12");
      HttpConfiguration https = new HttpConfiguration(http);
      https.addCustomizer(new SecureRequestCustomizer(false));
      this.tlsConnector =
          new ServerConnector(
              server,
              1,
              1,
              new SslConnectionFactory(tls, "http/1.1"),
              new HttpConnectionFactory(https));
      tlsConnector.setHost(config.host());
      tlsConnector.setPort(0);
      server.addConnector(tlsConnector);
    } else {
      this.tlsDir = null;
      this.trustStore = null;
      this.tlsConnector = null;
    }
    server.setHandler(
        new Handler.Sequence(
            new OssOnlyOnTls(),
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
    sim.linkBase =
        sim.tlsConnector == null
            ? sim.baseUrl
            : "https://" + host + ":" + sim.tlsConnector.getLocalPort();
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

  /**
   * Scheme, host and port of result links: {@link #baseUrl()}, or the TLS connector's {@code
   * https://} address when {@link SimulatorConfig#httpsLinks()} is set.
   */
  public String linkBase() {
    return linkBase;
  }

  /**
   * The {@code OSSAccessKeyId} query parameter of every signed result link (derived from the seed):
   * a value that only a signed link's query string carries, for tests that search outputs for
   * leaked links.
   */
  public String linkAccessKeyId() {
    return linkAccessKeyId;
  }

  /**
   * The trust store of the https links' self-signed certificate (SAN ip:127.0.0.1 and
   * dns:localhost); empty unless {@link SimulatorConfig#httpsLinks()} is set.
   */
  public Optional<LinkTrustStore> linkTrustStore() {
    return Optional.ofNullable(trustStore);
  }

  /**
   * The archiver settings that let it fetch this simulator's result links and nothing else on
   * loopback: {@code archiver.link-hosts} set to the links' exact origin ({@link #linkBase()}:
   * scheme, 127.0.0.1 and the port), {@code archiver.link-allowed-addresses} for 127.0.0.1, plus
   * the trust store keys for https links or {@code archiver.link-allow-http=true} for http ones.
   * Any other port on loopback stays refused.
   */
  public Map<String, String> archiverLinkSettings() {
    String host = java.net.URI.create(linkBase).getHost();
    Map<String, String> out = new java.util.LinkedHashMap<>();
    out.put("archiver.link-hosts", linkBase);
    out.put("archiver.link-allowed-addresses", host + "/32");
    if (trustStore != null) {
      out.put("archiver.link-allow-http", "false");
      out.put("archiver.link-trust-store", trustStore.path().toString());
      out.put("archiver.link-trust-store-password", trustStore.password());
    } else {
      out.put("archiver.link-allow-http", "true");
    }
    return out;
  }

  /**
   * Makes the result link of {@code taskId} exactly {@code url} from now on: a successful query
   * answers it as {@code video_url} instead of a signed link (for SSRF tests).
   */
  public void setResultLink(String taskId, String url) {
    handler.overrideResultLink(taskId, url);
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
   * The task query route without HTTP: the same key check, query budget, ledger record and answer
   * JSON as {@code GET /api/v1/tasks/{id}}, no injected faults. For benchmarks of a caller that
   * loopback HTTP would otherwise limit.
   */
  public QueryAnswer queryInProcess(String key, String taskId) {
    SimulatorHandler.DirectAnswer answer = handler.queryDirect(key, taskId);
    Refusal refusal = answer.refusal();
    if (refusal == null) {
      return new QueryAnswer(200, null, null, null, answer.body());
    }
    return new QueryAnswer(
        refusal.status(),
        refusal.code(),
        refusal.message(),
        refusal.status() == 429 ? handler.config().retryAfter() : null,
        null);
  }

  /**
   * An in-process task query's answer, as an HTTP caller would have received it.
   *
   * @param status the HTTP status (200 when answered)
   * @param code the refusal's code, null when answered
   * @param message the refusal's message, null when answered
   * @param retryAfter the {@code Retry-After} a throttled caller is told, else null
   * @param body the answer's JSON, null when refused
   */
  public record QueryAnswer(
      int status, String code, String message, Duration retryAfter, ObjectNode body) {}

  /** Replaces the injected faults of {@code route} from now on. */
  public void setFaults(Route route, Faults faults) {
    synchronized (this.faults) {
      this.faults.put(route, Objects.requireNonNull(faults, "faults"));
    }
  }

  /** The task's status at the simulator clock's now; empty when no such task was created. */
  public Optional<NativeStatus> status(String taskId) {
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
    if (tlsDir != null) {
      try (var files = Files.list(tlsDir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
        Files.deleteIfExists(tlsDir);
      } catch (IOException e) {
        LOG.warn("Wan simulator left its TLS files in {}: {}", tlsDir, e.toString());
      }
    }
  }

  /**
   * On the TLS connector only the result links ({@code /oss/}) and the redirect responder ({@code
   * /__sim/redirect}) are served.
   */
  private final class OssOnlyOnTls extends Handler.Abstract {
    @Override
    public boolean handle(Request req, Response res, Callback cb) {
      if (tlsConnector == null
          || req.getConnectionMetaData().getConnector() != tlsConnector
          || Request.getPathInContext(req).startsWith("/oss/")
          || Request.getPathInContext(req).equals("/__sim/redirect")) {
        return false;
      }
      Response.writeError(req, res, cb, 404);
      return true;
    }
  }

  private static Path createTlsDir() {
    try {
      return Files.createTempDirectory("wan-sim-tls");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the simulator's TLS directory", e);
    }
  }

  /** A self-signed key pair for 127.0.0.1 and localhost, made by the JDK's keytool. */
  private static void generateKeyPair(Path keyStore, String password) {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    ProcessBuilder pb =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "wan-sim",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost, O=wan-pipeline simulator",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "7",
                "-storetype",
                "PKCS12",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                password,
                "-keypass",
                password)
            .redirectErrorStream(true);
    try {
      Process p = pb.start();
      byte[] out;
      try (InputStream in = p.getInputStream()) {
        out = in.readAllBytes();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "keytool failed: " + new String(out, java.nio.charset.StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + keytool, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running keytool", e);
    }
  }

  /** A PKCS12 trust store holding only the key pair's certificate. */
  private static Path trustStoreOf(Path keyStore, String password, Path dir) {
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keyStore)) {
        keys.load(in, password.toCharArray());
      }
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("wan-sim", keys.getCertificate("wan-sim"));
      Path out = dir.resolve("simulator-trust.p12");
      try (OutputStream o = Files.newOutputStream(out)) {
        trust.store(o, password.toCharArray());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the simulator's trust store", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the simulator's trust store", e);
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
      boolean succeeded = tl.status() == NativeStatus.SUCCEEDED;
      out.add(
          new SimulatorLedger.TaskRecord(
              t.taskId,
              t.pipelineRequestId,
              t.account,
              t.keyId,
              t.model,
              t.endpointPath,
              t.tier,
              t.audio,
              t.usageMillis,
              tl.status().name(),
              t.failCode != null && tl.status() == NativeStatus.FAILED ? t.failCode : null,
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
