package io.wanpipeline.status.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.runtime.http.JsonApiServer;
import io.wanpipeline.schemas.commands.RequestCommands;
import io.wanpipeline.status.console.ConsolePage;
import io.wanpipeline.status.console.ServiceMetrics;
import io.wanpipeline.status.http.StatusQueries.Selection;
import io.wanpipeline.status.view.LifecycleJson;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The status view's HTTP API (Jetty), read-only:
 *
 * <ul>
 *   <li>{@code GET /status/requests/{request_id}}: one request's lifecycle, from whichever instance
 *       holds it (404 when no event of it was read yet);
 *   <li>{@code GET /status/requests?account=A&batch=B&in_flight=true&limit=N}: the requests that
 *       match every given criterion (at least one), gathered from every instance, the most recently
 *       updated first, at most {@code limit} ({@value #DEFAULT_LIMIT} by default, at most {@value
 *       #MAX_LIMIT});
 *   <li>{@code GET /status/batches/{batch_id}}: the batch's requests counted by latest state;
 *   <li>{@code GET /status/console}: what the console shows ({@link ConsoleAnswer});
 *   <li>{@code /status/local/...}: the same from this instance only (what the others ask);
 *   <li>{@code GET /console/}: the console itself, one page ({@link ConsolePage}); {@code /}
 *       redirects there.
 * </ul>
 *
 * Bad input answers 400 with a message; a store not yet queryable or an instance that does not
 * answer gives 503.
 */
public final class StatusHttpServer extends JsonApiServer {
  /** Requests answered by a list query unless {@code limit} says otherwise. */
  public static final int DEFAULT_LIMIT = 100;

  /** The most requests one list query answers. */
  public static final int MAX_LIMIT = 1000;

  private static final String REQUESTS = "/status/requests";
  private static final String BATCHES = "/status/batches/";
  private static final String LOCAL = "/status/local";
  private static final String BATCH_REQUESTS = "/requests";

  private volatile StatusQueries queries;
  private final ConsolePage console = new ConsolePage();
  private final ConsoleAnswer consoleAnswer;

  /** A server on {@code host:port} (0 = any free port), without the services' metrics. */
  public StatusHttpServer(String host, int port) {
    this(host, port, Clock.systemUTC(), null);
  }

  /**
   * A server on {@code host:port} (0 = any free port); not started.
   *
   * @param clock the console's day and times
   * @param metrics the other services' metrics for the console, or null for none
   */
  public StatusHttpServer(String host, int port, Clock clock, ServiceMetrics metrics) {
    super("status-http", host, port);
    this.consoleAnswer = new ConsoleAnswer(mapper, clock, metrics);
  }

  /** Starts answering from {@code queries}; until then every request answers 503. */
  public void serve(StatusQueries queries) {
    this.queries = queries;
  }

  @Override
  protected boolean answer(Request req, Response res, Callback cb) {
    String path = Request.getPathInContext(req);
    if (path.equals("/") || path.equals("/console")) {
      res.setStatus(302);
      res.getHeaders().put(HttpHeader.LOCATION, "/console/");
      cb.succeeded();
      return true;
    }
    Optional<ConsolePage.File> file = console.at(path);
    if (file.isPresent()) {
      res.setStatus(200);
      res.getHeaders().put(HttpHeader.CONTENT_TYPE, file.get().contentType());
      // Everything the page loads comes from here; what it shows is set as text, never as markup.
      res.getHeaders().put("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
      res.getHeaders().put("X-Content-Type-Options", "nosniff");
      res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
      res.write(true, ByteBuffer.wrap(file.get().bytes()), cb);
      return true;
    }
    if (!path.startsWith("/status/")) {
      return false;
    }
    StatusQueries q = queries;
    if (q == null) {
      write(res, cb, 503, error("the status view is starting"));
    } else if (!req.getMethod().equals("GET")) {
      write(res, cb, 405, error("the status API is read-only: GET only"));
    } else {
      boolean local = path.startsWith(LOCAL + "/");
      String route = local ? "/status" + path.substring(LOCAL.length()) : path;
      answer(q, req, res, cb, route, local);
    }
    return true;
  }

  private void answer(
      StatusQueries q, Request req, Response res, Callback cb, String route, boolean local) {
    if (route.startsWith(REQUESTS + "/")) {
      String id = id(route.substring(REQUESTS.length() + 1), "request_id");
      Optional<JsonNode> found = local ? localRequest(q, id) : request(q, id);
      if (found.isPresent()) {
        write(res, cb, 200, found.get());
      } else {
        write(res, cb, 404, error("no event of request " + id + " has been read"));
      }
    } else if (route.equals(REQUESTS)) {
      Fields f = Request.extractQueryParameters(req, StandardCharsets.UTF_8);
      write(res, cb, 200, requests(q, f, local));
    } else if (route.equals("/status/console")) {
      write(
          res,
          cb,
          200,
          local
              ? consoleAnswer.local(q, l -> json(q, l))
              : consoleAnswer.gathered(q, l -> json(q, l), this::fetch, () -> batches(q, false)));
    } else if (route.equals("/status/batches")) {
      write(res, cb, 200, batches(q, local));
    } else if (route.startsWith(BATCHES) && route.endsWith(BATCH_REQUESTS)) {
      String batch =
          id(
              route.substring(BATCHES.length(), route.length() - BATCH_REQUESTS.length()),
              "batch_id");
      Fields f = Request.extractQueryParameters(req, StandardCharsets.UTF_8);
      write(
          res,
          cb,
          200,
          batchPage(
              q,
              batch,
              optionalId(f.getValue("after"), "after"),
              limit(f.getValue("limit")),
              local));
    } else if (route.startsWith(BATCHES)) {
      String batch = id(route.substring(BATCHES.length()), "batch_id");
      write(res, cb, 200, batch(q, batch, local));
    } else {
      write(res, cb, 404, error("no such route: " + route));
    }
  }

  private Optional<JsonNode> localRequest(StatusQueries q, String id) {
    return q.localRequest(id).map(l -> json(q, l));
  }

  private Optional<JsonNode> request(StatusQueries q, String id) {
    URI owner = q.owner(id);
    if (owner.equals(q.self())) {
      return localRequest(q, id);
    }
    return fetch(owner, "/status/local/requests/" + id);
  }

  private ObjectNode requests(StatusQueries q, Fields f, boolean local) {
    String account = optionalId(f.getValue("account"), "account");
    String batch = optionalId(f.getValue("batch"), "batch");
    String inFlightText = f.getValue("in_flight");
    if (inFlightText != null && !inFlightText.equals("true") && !inFlightText.equals("false")) {
      throw new BadRequest("in_flight must be true or false");
    }
    boolean inFlight = "true".equals(inFlightText);
    if (account == null && batch == null && !inFlight) {
      throw new BadRequest("give account, batch or in_flight=true");
    }
    int limit = limit(f.getValue("limit"));
    Selection selection = new Selection(account, batch, inFlight);
    List<JsonNode> found = new ArrayList<>();
    if (local) {
      q.localRequests(selection, limit).forEach(l -> found.add(json(q, l)));
    } else {
      String query = query(selection, limit);
      for (URI instance : q.instances()) {
        if (instance.equals(q.self())) {
          q.localRequests(selection, limit).forEach(l -> found.add(json(q, l)));
        } else {
          fetch(instance, "/status/local/requests?" + query)
              .orElseThrow(() -> new Unavailable("instance " + instance + " answered nothing"))
              .path("requests")
              .forEach(found::add);
        }
      }
    }
    found.sort(
        Comparator.comparing((JsonNode n) -> n.path("updated_at").asText())
            .reversed()
            .thenComparing(n -> n.path("request_id").asText()));
    ObjectNode out = mapper.createObjectNode();
    out.put("account", account);
    out.put("batch", batch);
    out.put("in_flight", inFlight);
    out.put("limit", limit);
    out.put("truncated", found.size() > limit);
    ArrayNode list = out.putArray("requests");
    found.stream().limit(limit).forEach(list::add);
    return out;
  }

  private ObjectNode batch(StatusQueries q, String batch, boolean local) {
    Map<String, Long> counts = new TreeMap<>();
    if (local) {
      counts.putAll(q.localBatchCounts(batch));
    } else {
      for (URI instance : q.instances()) {
        if (instance.equals(q.self())) {
          q.localBatchCounts(batch).forEach((state, n) -> counts.merge(state, n, Long::sum));
        } else {
          fetch(instance, "/status/local/batches/" + batch)
              .orElseThrow(() -> new Unavailable("instance " + instance + " answered nothing"))
              .path("counts")
              .properties()
              .forEach(e -> counts.merge(e.getKey(), e.getValue().asLong(), Long::sum));
        }
      }
    }
    ObjectNode out = mapper.createObjectNode();
    out.put("batch_id", batch);
    out.put("total", counts.values().stream().mapToLong(Long::longValue).sum());
    ObjectNode byState = out.putObject("counts");
    counts.forEach(byState::put);
    return out;
  }

  /** Every batch the view has seen, with its requests counted by latest state. */
  private ObjectNode batches(StatusQueries q, boolean local) {
    Map<String, Map<String, Long>> all = new TreeMap<>();
    if (local) {
      all.putAll(q.localBatches());
    } else {
      for (URI instance : q.instances()) {
        if (instance.equals(q.self())) {
          merge(all, q.localBatches());
        } else {
          JsonNode answer =
              fetch(instance, "/status/local/batches")
                  .orElseThrow(() -> new Unavailable("instance " + instance + " answered nothing"));
          Map<String, Map<String, Long>> theirs = new TreeMap<>();
          answer
              .path("batches")
              .forEach(
                  b -> {
                    Map<String, Long> counts = new TreeMap<>();
                    b.path("counts")
                        .properties()
                        .forEach(e -> counts.put(e.getKey(), e.getValue().asLong()));
                    theirs.put(b.path("batch_id").asText(), counts);
                  });
          merge(all, theirs);
        }
      }
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode list = out.putArray("batches");
    all.forEach(
        (batch, counts) -> {
          ObjectNode b = list.addObject();
          b.put("batch_id", batch);
          b.put("total", counts.values().stream().mapToLong(Long::longValue).sum());
          ObjectNode byState = b.putObject("counts");
          counts.forEach(byState::put);
        });
    return out;
  }

  private static void merge(
      Map<String, Map<String, Long>> into, Map<String, Map<String, Long>> more) {
    more.forEach(
        (batch, counts) ->
            counts.forEach(
                (state, n) ->
                    into.computeIfAbsent(batch, b -> new TreeMap<>()).merge(state, n, Long::sum)));
  }

  /**
   * One page of a batch's requests in request_id order, after {@code after}: each instance's first
   * {@code limit}, merged, cut at {@code limit}; {@code next_after} names the last request_id when
   * more may follow, null at the end.
   */
  private ObjectNode batchPage(
      StatusQueries q, String batch, String after, int limit, boolean local) {
    List<JsonNode> found = new ArrayList<>();
    boolean more = false;
    if (local) {
      List<RequestLifecycle> page = q.localBatchPage(batch, after, limit);
      page.forEach(l -> found.add(json(q, l)));
      more = page.size() == limit;
    } else {
      String query =
          "limit="
              + limit
              + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
      for (URI instance : q.instances()) {
        if (instance.equals(q.self())) {
          List<RequestLifecycle> page = q.localBatchPage(batch, after, limit);
          page.forEach(l -> found.add(json(q, l)));
          more |= page.size() == limit;
        } else {
          JsonNode page =
              fetch(instance, "/status/local/batches/" + batch + "/requests?" + query)
                  .orElseThrow(() -> new Unavailable("instance " + instance + " answered nothing"));
          page.path("requests").forEach(found::add);
          more |= !page.path("next_after").isNull();
        }
      }
    }
    found.sort(Comparator.comparing((JsonNode n) -> n.path("request_id").asText()));
    List<JsonNode> kept = found.size() > limit ? found.subList(0, limit) : found;
    ObjectNode out = mapper.createObjectNode();
    out.put("batch_id", batch);
    ArrayNode list = out.putArray("requests");
    kept.forEach(list::add);
    boolean next = (more || found.size() > limit) && !kept.isEmpty();
    out.put("next_after", next ? kept.get(kept.size() - 1).path("request_id").asText() : null);
    return out;
  }

  private JsonNode json(StatusQueries q, RequestLifecycle lifecycle) {
    String id = lifecycle.getLatest().getRequestId();
    return LifecycleJson.of(mapper, lifecycle, q.localCharge(id).orElse(null));
  }

  private static String query(Selection s, int limit) {
    StringBuilder q = new StringBuilder("limit=").append(limit);
    if (s.account() != null) {
      q.append("&account=").append(URLEncoder.encode(s.account(), StandardCharsets.UTF_8));
    }
    if (s.batch() != null) {
      q.append("&batch=").append(URLEncoder.encode(s.batch(), StandardCharsets.UTF_8));
    }
    if (s.inFlight()) {
      q.append("&in_flight=true");
    }
    return q.toString();
  }

  private static String id(String value, String name) {
    if (!RequestCommands.ID.matcher(value).matches()) {
      throw new BadRequest(name + " must be 1-255 characters of [A-Za-z0-9._:-]");
    }
    return value;
  }

  private static String optionalId(String value, String name) {
    return value == null || value.isEmpty() ? null : id(value, name);
  }

  private static int limit(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequest("limit must be 1 to " + MAX_LIMIT);
  }
}
