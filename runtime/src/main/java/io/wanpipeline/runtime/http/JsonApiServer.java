package io.wanpipeline.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON HTTP API of a Kafka Streams service whose instances answer for each other (billing's
 * totals, the status view): a Jetty server that answers a {@link BadRequest} with 400, a store not
 * yet queryable or a peer that does not answer ({@link Unavailable}) with 503, and asks the other
 * instances over HTTP ({@link #fetch}). The services that use it depend on Jetty themselves (it is
 * optional here, so the others do not carry it).
 */
public abstract class JsonApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JsonApiServer.class);
  private static final String JSON_TYPE = "application/json";
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(10);

  /** For the answers' JSON. */
  protected final ObjectMapper mapper = new ObjectMapper();

  private final String name;
  private volatile boolean started;
  private volatile boolean closed;
  private final Server server;
  private final ServerConnector connector;
  private final HttpClient peers =
      HttpClient.newBuilder()
          .connectTimeout(PEER_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /**
   * A server named {@code name} (its threads and messages) on {@code host:port} (0 = any free
   * port); not started.
   */
  protected JsonApiServer(String name, String host, int port) {
    this.name = name;
    QueuedThreadPool pool = new QueuedThreadPool(16, 2);
    pool.setName(name);
    pool.setDaemon(true);
    server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request req, Response res, Callback cb) {
            try {
              return answer(req, res, cb);
            } catch (BadRequest e) {
              write(res, cb, 400, error(e.getMessage()));
            } catch (Unavailable | InvalidStateStoreException e) {
              log.debug(
                  "Query not answerable now: server={}, path={}, reason={}",
                  name,
                  Request.getPathInContext(req),
                  e.getMessage());
              write(res, cb, 503, error("not available now, retry: " + e.getMessage()));
            }
            return true;
          }
        });
  }

  /**
   * Answers {@code req} (with {@link #write}) and returns true, or returns false for a path that is
   * not this API's (Jetty answers 404).
   *
   * @throws BadRequest for input the API refuses (400)
   * @throws Unavailable when a store or a peer cannot answer now (503)
   */
  protected abstract boolean answer(Request req, Response res, Callback cb);

  /**
   * Binds and starts serving.
   *
   * @return the bound address
   */
  public InetSocketAddress start() {
    try {
      server.start();
      started = true;
    } catch (Exception e) {
      throw new IllegalStateException(name + " HTTP server could not start", e);
    }
    return new InetSocketAddress(connector.getHost(), connector.getLocalPort());
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  /** True from a successful {@link #start()} until the server stops (closed, or failed). */
  public boolean serving() {
    return server.isRunning();
  }

  /**
   * Why the server no longer serves although it was started and not closed, or empty: for a {@link
   * io.wanpipeline.runtime.service.PipelineService#failure()}.
   */
  public Optional<Throwable> failure() {
    if (closed || !started || serving()) {
      return Optional.empty();
    }
    return Optional.of(
        new IllegalStateException("the " + name + " HTTP server stopped without a close"));
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.stop();
    } catch (Exception e) {
      log.warn("HTTP server did not stop cleanly: server={}, port={}", name, port(), e);
    }
  }

  /** Writes {@code body} as the answer, with {@code status}. */
  protected void write(Response res, Callback cb, int status, JsonNode body) {
    res.setStatus(status);
    res.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
    String text;
    try {
      text = mapper.writeValueAsString(body);
    } catch (IOException e) {
      res.setStatus(500);
      text = "{\"error\":\"answer could not be written\"}";
    }
    Content.Sink.write(res, true, text, cb);
  }

  /** {@code {"error": message}}. */
  protected ObjectNode error(String message) {
    ObjectNode n = mapper.createObjectNode();
    n.put("error", message);
    return n;
  }

  /**
   * Another instance's answer to {@code GET path}: its JSON, or empty on 404.
   *
   * @throws Unavailable when it answers anything else or not at all
   */
  protected Optional<JsonNode> fetch(URI instance, String path) {
    try {
      HttpResponse<String> r =
          peers.send(
              HttpRequest.newBuilder(instance.resolve(path)).timeout(PEER_TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 404) {
        return Optional.empty();
      }
      if (r.statusCode() != 200) {
        throw new Unavailable("instance " + instance + " answered " + r.statusCode());
      }
      return Optional.of(mapper.readTree(r.body()));
    } catch (IOException e) {
      throw new Unavailable("instance " + instance + " did not answer");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted");
    }
  }

  /**
   * The URL the other instances reach a server bound to {@code host:port} at, when none is
   * configured: {@code http://<host>:<port>}, the local host name for a wildcard address.
   */
  public static URI advertisedUrl(String host, int port) {
    String reachable = host;
    if (host.equals("0.0.0.0") || host.equals("::")) {
      try {
        reachable = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        reachable = "127.0.0.1";
      }
    }
    return URI.create("http://" + reachable + ":" + port);
  }

  /** Input the API refuses: answered 400 with its message. */
  public static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  /** A store or a peer that cannot answer now: answered 503 with its message. */
  public static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message) {
      super(message, null, false, false);
    }
  }
}
