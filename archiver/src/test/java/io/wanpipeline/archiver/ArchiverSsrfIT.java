package io.wanpipeline.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.simulator.AdjustableClock;
import io.wanpipeline.infra.simulator.SimulatorConfig;
import io.wanpipeline.infra.simulator.WanSimulator;
import io.wanpipeline.infra.testing.KafkaBroker;
import io.wanpipeline.infra.testing.PipelineEnv;
import io.wanpipeline.infra.testing.PipelineStack;
import io.wanpipeline.infra.testing.StatusTopic;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The SSRF table: tasks whose result links the simulator replaces with hostile URLs (private,
 * loopback, link-local and metadata addresses, IPv6 forms, decimal, octal and hex IPs, userinfo,
 * hosts off the allowlist, plain http, other ports on the simulator's own loopback address, and
 * redirects into all of those). The archiver runs with its production policy (https only) allowing
 * just the simulator's https origin; every hostile link must end ARCHIVE_FAILED {@code
 * LINK_REFUSED} without a request reaching its target, while the control tasks (a plain signed link
 * and a redirect to one) are archived.
 */
class ArchiverSsrfIT {
  private static final String ACCOUNT = "default";
  private static final ApiKey KEY = new ApiKey(ACCOUNT + "#0", PipelineEnv.API_KEY);
  private static final AdjustableClock simClock =
      new AdjustableClock(Instant.parse("2026-03-01T10:00:00Z"));

  @RegisterExtension
  static final PipelineStack stack =
      PipelineStack.withSimulator(
              SimulatorConfig.builder()
                  .clock(simClock)
                  .apiKey(KEY.secret(), "acct-sim")
                  .pendingTime(Duration.ofSeconds(1))
                  .runningTime(Duration.ofSeconds(2))
                  .concurrencyCap("wan2.2-i2v-flash", 100)
                  .httpsLinks(true))
          .withS3()
          .named("ssrf");

  private PipelineEnv env;
  private KafkaBroker.Info kafka;
  private WanSimulator sim;
  private DashScopeClient provider;
  private Topics topics;
  private HttpServer plainProbe;
  private HttpServer otherLoopbackProbe;
  private ServerSocket otherPortProbe;
  private final List<String> otherPortConnections = new CopyOnWriteArrayList<>();
  private final List<String> probeHits = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void setUp(PipelineEnv env) throws Exception {
    this.env = env;
    kafka = env.kafka();
    sim = env.simulator();
    provider = DashScopeClient.builder().baseUrl(sim.baseUrl()).build();
    topics = env.topics();
    plainProbe = probe("127.0.0.1");
    otherLoopbackProbe = probe("127.0.0.2");
    otherPortProbe = connectionProbe();
  }

  /**
   * A plain TCP listener on the simulator's own address, 127.0.0.1, on another port: it records
   * every connection, TLS or not, so a link to another loopback service is seen even if no HTTP
   * request completes.
   */
  private ServerSocket connectionProbe() throws Exception {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  otherPortConnections.add(String.valueOf(s.getRemoteSocketAddress()));
                } catch (Exception e) {
                  // closed at tear-down
                }
              }
            },
            "ssrf-other-port-probe");
    acceptor.setDaemon(true);
    acceptor.start();
    return server;
  }

  private HttpServer probe(String address) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 0);
    server.createContext(
        "/",
        exchange -> {
          probeHits.add(address + " " + exchange.getRequestURI().getRawPath());
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    return server;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    plainProbe.stop(0);
    otherLoopbackProbe.stop(0);
    otherPortProbe.close();
  }

  @Test
  void hostileLinksAreRefusedBeforeAnyRequestReachesThem() throws Exception {
    int plain = plainProbe.getAddress().getPort();
    int other = otherLoopbackProbe.getAddress().getPort();
    String tls = sim.linkBase();
    int tlsPort = java.net.URI.create(tls).getPort();
    String q = "?Expires=1772360000&OSSAccessKeyId=LTAI5tSSRF&Signature=c2VjcmV0";

    Map<String, String> hostile = new LinkedHashMap<>();
    hostile.put("plain-http", "http://127.0.0.1:" + plain + "/v.mp4" + q);
    hostile.put("other-loopback", "https://127.0.0.2:" + other + "/v.mp4" + q);
    hostile.put("decimal", "https://2130706434:" + other + "/v.mp4" + q);
    hostile.put("octal", "https://0177.0.0.2:" + other + "/v.mp4" + q);
    hostile.put("hex", "https://0x7f.0.0.2:" + other + "/v.mp4" + q);
    hostile.put("short", "https://127.2:" + other + "/v.mp4" + q);
    hostile.put("ipv6-loopback", "https://[::1]:" + other + "/v.mp4" + q);
    hostile.put("ipv4-mapped", "https://[::ffff:127.0.0.2]:" + other + "/v.mp4" + q);
    hostile.put("unique-local", "https://[fd00::1]/v.mp4" + q);
    hostile.put("ipv6-link-local", "https://[fe80::1]/v.mp4" + q);
    hostile.put("aws-metadata", "https://169.254.169.254/latest/meta-data/" + q);
    hostile.put("alibaba-metadata", "https://100.100.100.200/latest/meta-data/" + q);
    hostile.put("unspecified", "https://0.0.0.0:" + other + "/v.mp4" + q);
    hostile.put("private-10", "https://10.0.0.1/v.mp4" + q);
    hostile.put("private-192", "https://192.168.1.1/v.mp4" + q);
    hostile.put("private-172", "https://172.16.0.1/v.mp4" + q);
    hostile.put("localhost-name", "https://localhost:" + tlsPort + "/oss/b/v.mp4" + q);
    int otherPort = otherPortProbe.getLocalPort();
    hostile.put("loopback-other-port", "https://127.0.0.1:" + otherPort + "/v.mp4" + q);
    hostile.put("loopback-default-port", "https://127.0.0.1/v.mp4" + q);
    hostile.put("loopback-api-port", sim.baseUrl().replace("http:", "https:") + "/v.mp4" + q);
    hostile.put("off-allowlist", "https://evil.example.com/v.mp4" + q);
    hostile.put("userinfo", "https://user:pw@127.0.0.1:" + tlsPort + "/oss/b/v.mp4" + q);
    hostile.put("redirect-metadata", redirect(tls, "https://169.254.169.254/latest/meta-data/"));
    hostile.put("redirect-http", redirect(tls, "http://127.0.0.1:" + plain + "/v.mp4" + q));
    hostile.put("redirect-loopback", redirect(tls, "https://127.0.0.2:" + other + "/v.mp4"));
    hostile.put("redirect-decimal", redirect(tls, "https://2130706434:" + other + "/v.mp4"));
    hostile.put("redirect-ipv6", redirect(tls, "https://[::ffff:127.0.0.2]:" + other + "/"));
    hostile.put(
        "redirect-other-port", redirect(tls, "https://127.0.0.1:" + otherPort + "/v.mp4" + q));
    hostile.put(
        "redirect-chain",
        redirect(tls, redirect(tls, redirect(tls, redirect(tls, tls + "/oss/b/v.mp4" + q)))));

    Map<String, String> taskOf = new LinkedHashMap<>();
    for (String name : hostile.keySet()) {
      taskOf.put(name, submit("[sim:video-bytes=65536] ssrf " + name));
    }
    String control = submit("[sim:video-bytes=65536] control");
    String redirected = submit("[sim:video-bytes=65536] control via redirect");
    hostile.forEach((name, url) -> sim.setResultLink(taskOf.get(name), url));
    simClock.advance(Duration.ofSeconds(10));
    TaskSnapshot controlTask = succeeded(control);
    sim.setResultLink(redirected, redirect(tls, controlTask.videoUrl().uri().toString()));

    start();
    send(succeededEvent("req-control", controlTask));
    send(succeededEvent("req-redirected", succeeded(redirected)));
    for (String name : hostile.keySet()) {
      send(succeededEvent("req-" + name, succeeded(taskOf.get(name))));
    }

    List<String> requests = new ArrayList<>(List.of("req-control", "req-redirected"));
    hostile.keySet().forEach(name -> requests.add("req-" + name));
    Map<String, TaskStatus> ends = awaitArchiveEnds(requests);
    for (String name : hostile.keySet()) {
      TaskStatus end = ends.get("req-" + name);
      assertThat(end.getState()).as(name).isEqualTo(TaskState.ARCHIVE_FAILED);
      assertThat(end.getError().getCode()).as(name).isEqualTo("LINK_REFUSED");
      assertThat(end.getError().getMessage())
          .as(name)
          .contains("refused by rule")
          .doesNotContain("Signature", "LTAI5tSSRF", "c2VjcmV0", "pw@");
      assertThat(sim.ledger().downloads(taskOf.get(name))).as(name).isEmpty();
    }
    assertThat(ends.get("req-control").getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(ends.get("req-redirected").getState()).isEqualTo(TaskState.ARCHIVED);
    assertThat(ends.get("req-userinfo").getError().getMessage()).contains("userinfo");
    assertThat(ends.get("req-plain-http").getError().getMessage()).contains("not-https");
    assertThat(ends.get("req-redirect-chain").getError().getMessage())
        .contains("too-many-redirects");
    for (String name :
        List.of(
            "loopback-other-port",
            "loopback-default-port",
            "loopback-api-port",
            "redirect-other-port")) {
      assertThat(ends.get("req-" + name).getError().getMessage())
          .as(name)
          .contains("origin-not-allowed");
    }
    assertThat(probeHits).as("requests that reached a forbidden target").isEmpty();
    assertThat(otherPortConnections)
        .as("connections to another port on the simulator's loopback address")
        .isEmpty();
  }

  private static String redirect(String base, String to) {
    return base + "/__sim/redirect?to=" + URLEncoder.encode(to, StandardCharsets.UTF_8);
  }

  private String submit(String prompt) {
    return SucceededTasks.submit(provider, KEY, prompt);
  }

  private TaskSnapshot succeeded(String taskId) {
    return SucceededTasks.succeeded(provider, KEY, taskId);
  }

  private void start() {
    Map<String, String> values = env.settings(PipelineEnv.Service.ARCHIVER);
    values.put("archiver.workers", "3");
    values.put("archiver.shutdown-grace", "5s");
    values.putAll(sim.archiverLinkSettings());
    ArchiverConfig config = ArchiverConfig.from(Settings.of(values));
    assertThat(config.links().allowHttp()).isFalse();
    S3AsyncClient client = S3Clients.create(config.s3());
    ArchiverService service =
        new ArchiverService(
            config,
            Clock.systemUTC(),
            topics,
            account -> WanClients.forAccount(account, Clock.systemUTC()),
            client);
    closing.add(service);
    closing.add(client);
    service.start();
  }

  private static TaskStatus succeededEvent(String requestId, TaskSnapshot task) {
    return SucceededTasks.event(requestId, ACCOUNT, KEY, task, "archiver-ssrf-it");
  }

  private void send(TaskStatus status) {
    StatusTopic.send(kafka, topics, status);
  }

  /**
   * The first archive end of each of {@code requests}, once all have one: one read of the topic per
   * poll, not one per request.
   */
  private Map<String, TaskStatus> awaitArchiveEnds(List<String> requests) {
    Map<String, TaskStatus> first = new LinkedHashMap<>();
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Map<String, List<TaskStatus>> ends = StatusTopic.archiveEnds(kafka, topics);
              assertThat(ends).containsKeys(requests.toArray(String[]::new));
              requests.forEach(r -> first.put(r, ends.get(r).get(0)));
            });
    return first;
  }
}
