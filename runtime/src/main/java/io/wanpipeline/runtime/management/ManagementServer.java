package io.wanpipeline.runtime.management;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wanpipeline.runtime.service.PipelineService;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's management endpoints, on their own port ({@link ManagementSettings}):
 *
 * <ul>
 *   <li>{@code GET /healthz}, liveness: 200 {@code {"status":"UP"}} while the service works, 503
 *       {@code {"status":"DOWN","reason":...}} once it reports a {@link PipelineService#failure()
 *       failure} (a dead loop or stream thread, Streams in ERROR). The runner then ends the process
 *       within a second; the endpoint is for the supervisor that asks in between.
 *   <li>{@code GET /readyz}, readiness: 200 {@code {"status":"READY"}} when the service can take
 *       work ({@link PipelineService#readiness()}), else 503 {@code {"status":"NOT_READY",
 *       "waiting_for":[...]}}; a dead service is not ready either.
 *   <li>{@code GET /metrics}: the Prometheus text format (0.0.4) of the service's meters.
 * </ul>
 *
 * <p>Served by the JDK's own HTTP server on two daemon threads: three small answers need no web
 * framework in every service. Every answer is computed from memory, without I/O, and no answer
 * carries a secret: a failure is named by its exception class and message, which the services
 * redact where they wrap a provider's or a broker's error.
 */
public final class ManagementServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  private ManagementServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving {@code service}'s endpoints as {@code settings} say.
   *
   * @return the running server, or empty when {@code settings} turn it off
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static Optional<ManagementServer> start(
      String name,
      ManagementSettings settings,
      PipelineService service,
      PrometheusMeterRegistry metrics) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(metrics, "metrics");
    if (!settings.enabled()) {
      return Optional.empty();
    }
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "management.port: cannot listen on " + settings.host() + ":" + settings.port(), e);
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, name + "-management-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/healthz", get(exchange -> health(exchange, service)));
    server.createContext("/readyz", get(exchange -> readiness(exchange, service)));
    server.createContext(
        "/metrics",
        get(
            exchange ->
                send(
                    exchange,
                    200,
                    PROMETHEUS_TEXT,
                    metrics.scrape().getBytes(StandardCharsets.UTF_8))));
    server.createContext(
        "/", exchange -> sendJson(exchange, 404, Map.of("error", "no such endpoint")));
    server.start();
    ManagementServer running = new ManagementServer(server, executor);
    log.info(
        "service={} management endpoints on {}:{} (/healthz /readyz /metrics)",
        name,
        settings.host(),
        running.port());
    return Optional.of(running);
  }

  /** The port it listens on (the one taken, when asked for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops serving at once: the service is stopping or stopped. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  /** {@code handler} for an exact path and GET (or HEAD); 404 and 405 otherwise. */
  private static com.sun.net.httpserver.HttpHandler get(Handler handler) {
    return exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals(exchange.getHttpContext().getPath())) {
          sendJson(exchange, 404, Map.of("error", "no such endpoint"));
        } else if (!exchange.getRequestMethod().equals("GET")
            && !exchange.getRequestMethod().equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          sendJson(exchange, 405, Map.of("error", "only GET and HEAD"));
        } else {
          handler.handle(exchange);
        }
      } catch (RuntimeException e) {
        log.warn("management endpoint failed: {}", e.toString());
      }
    };
  }

  private static void health(HttpExchange exchange, PipelineService service) throws IOException {
    Optional<Throwable> failure = failureOf(service);
    if (failure.isEmpty()) {
      sendJson(exchange, 200, Map.of("status", "UP"));
    } else {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", "DOWN");
      body.put("reason", describe(failure.get()));
      sendJson(exchange, 503, body);
    }
  }

  private static void readiness(HttpExchange exchange, PipelineService service) throws IOException {
    Optional<Throwable> failure = failureOf(service);
    Readiness readiness;
    if (failure.isPresent()) {
      readiness = Readiness.waitingFor("a restart: " + describe(failure.get()));
    } else {
      try {
        readiness = service.readiness();
      } catch (RuntimeException e) {
        readiness = Readiness.waitingFor("an answer: readiness check failed: " + describe(e));
      }
    }
    if (readiness.ready()) {
      sendJson(exchange, 200, Map.of("status", "READY"));
    } else {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", "NOT_READY");
      body.put("waiting_for", readiness.waitingFor());
      sendJson(exchange, 503, body);
    }
  }

  private static Optional<Throwable> failureOf(PipelineService service) {
    try {
      return service.failure();
    } catch (RuntimeException e) {
      return Optional.of(e); // as the supervisor decides: a service that cannot answer is dead
    }
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  private static void sendJson(HttpExchange exchange, int status, Map<String, ?> body)
      throws IOException {
    send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
