package io.wanpipeline.billing.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.billing.estimate.Estimate;
import io.wanpipeline.billing.estimate.EstimateRequest;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.ModelTotal;
import io.wanpipeline.runtime.http.JsonApiServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The billing HTTP server (Jetty).
 *
 * <ul>
 *   <li>{@code GET /billing/totals?account=A&from=YYYY-MM-DD&to=YYYY-MM-DD}: the account's totals
 *       per UTC day and currency with the per-model breakdown, gathered from every billing instance
 *       that holds a part of the totals store, plus the sum per currency;
 *   <li>{@code GET /billing/totals/local?...}: the same from this instance only (what the others
 *       ask);
 *   <li>{@code POST /billing/estimate}: the estimate of one request object or an array of them.
 * </ul>
 *
 * Bad input answers 400 with a message; a store not yet queryable or an instance that does not
 * answer gives 503. Answers carry no secrets: only totals, prices and request fields that affect
 * price.
 */
public final class BillingHttpServer extends JsonApiServer {
  /** Longest date range one totals query may ask for. */
  public static final long MAX_DAYS = 366;

  private static final int MAX_BODY = 4 * 1024 * 1024;

  private final Clock clock;
  private volatile BillingQueries queries;

  /** A server on {@code host:port} (0 = any free port); not started. */
  public BillingHttpServer(String host, int port, Clock clock) {
    super("billing-http", host, port);
    this.clock = clock;
  }

  /** Starts answering from {@code queries}; until then every request answers 503. */
  public void serve(BillingQueries queries) {
    this.queries = queries;
  }

  @Override
  protected boolean answer(Request req, Response res, Callback cb) {
    String path = Request.getPathInContext(req);
    String method = req.getMethod();
    BillingQueries q = queries;
    if (q == null) {
      write(res, cb, 503, error("billing is starting"));
    } else if (path.equals("/billing/totals") && method.equals("GET")) {
      write(res, cb, 200, totals(q, TotalsQuery.of(req), false));
    } else if (path.equals("/billing/totals/local") && method.equals("GET")) {
      write(res, cb, 200, totals(q, TotalsQuery.of(req), true));
    } else if (path.equals("/billing/estimate") && method.equals("POST")) {
      write(res, cb, 200, estimate(q, body(req)));
    } else if (path.startsWith("/billing/")) {
      write(res, cb, 404, error("no such route: " + method + " " + path));
    } else {
      return false;
    }
    return true;
  }

  private ObjectNode totals(BillingQueries q, TotalsQuery query, boolean localOnly) {
    Map<String, ObjectNode> byKey = new TreeMap<>();
    if (localOnly) {
      for (AccountTotal t : q.localTotals(query.account(), query.from(), query.to())) {
        byKey.put(t.getDay() + "|" + t.getCurrency(), json(t));
      }
    } else {
      for (URI instance : q.totalsInstances()) {
        if (instance.equals(q.self())) {
          for (AccountTotal t : q.localTotals(query.account(), query.from(), query.to())) {
            byKey.put(t.getDay() + "|" + t.getCurrency(), json(t));
          }
        } else {
          for (JsonNode t : fetch(instance, query).path("totals")) {
            byKey.put(t.path("day").asText() + "|" + t.path("currency").asText(), (ObjectNode) t);
          }
        }
      }
    }
    ObjectNode out = mapper.createObjectNode();
    out.put("account", query.account());
    out.put("from", query.from().toString());
    out.put("to", query.to().toString());
    ArrayNode list = out.putArray("totals");
    Map<String, Long> sums = new TreeMap<>();
    for (ObjectNode t : byKey.values()) {
      list.add(t);
      sums.merge(t.path("currency").asText(), t.path("amount_micros").asLong(), Math::addExact);
    }
    ObjectNode sumNode = out.putObject("amount_micros_by_currency");
    sums.forEach(sumNode::put);
    return out;
  }

  private JsonNode fetch(URI instance, TotalsQuery query) {
    String path =
        "/billing/totals/local?account="
            + URLEncoder.encode(query.account(), StandardCharsets.UTF_8)
            + "&from="
            + query.from()
            + "&to="
            + query.to();
    return fetch(instance, path)
        .orElseThrow(() -> new Unavailable("instance " + instance + " answered 404"));
  }

  private ObjectNode estimate(BillingQueries q, JsonNode body) {
    List<EstimateRequest> requests = new ArrayList<>();
    try {
      if (body.isArray()) {
        int i = 0;
        for (JsonNode r : body) {
          try {
            requests.add(EstimateRequest.fromJson(r));
          } catch (IllegalArgumentException e) {
            throw new BadRequest("request " + i + ": " + e.getMessage());
          }
          i++;
        }
      } else {
        requests.add(EstimateRequest.fromJson(body));
      }
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    return estimatesJson(mapper, q.estimator().estimate(requests, null, clock.instant()));
  }

  /**
   * The JSON answer for {@code estimates}: {@code estimates} (one object each, {@code priced} true
   * or false), {@code amount_micros_by_currency} and {@code unpriced_count}.
   */
  public static ObjectNode estimatesJson(ObjectMapper mapper, List<Estimate> estimates) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode list = out.putArray("estimates");
    Map<String, Long> sums = new TreeMap<>();
    int unpriced = 0;
    for (Estimate e : estimates) {
      ObjectNode n = list.addObject();
      n.put("request_id", e.requestId());
      n.put("model", e.model());
      if (e instanceof Estimate.Priced p) {
        n.put("priced", true);
        n.put("provider_account", p.providerAccount());
        n.put("tier", p.tier());
        n.put("audio", p.audio());
        n.put("seconds", p.seconds());
        n.put("exact", p.exact());
        n.put("unit_price_micros", p.unitMicros());
        n.put("amount_micros", p.amountMicros());
        n.put("currency", p.currency());
        n.put("price_markup", p.markup() == null ? null : p.markup().toPlainString());
        sums.merge(p.currency(), p.amountMicros(), Math::addExact);
      } else if (e instanceof Estimate.Unpriced u) {
        n.put("priced", false);
        n.put("reason", u.reason());
        unpriced++;
      }
    }
    ObjectNode sumNode = out.putObject("amount_micros_by_currency");
    sums.forEach(sumNode::put);
    out.put("unpriced_count", unpriced);
    return out;
  }

  private ObjectNode json(AccountTotal t) {
    ObjectNode n = mapper.createObjectNode();
    n.put("account_id", t.getAccountId());
    n.put("day", t.getDay());
    n.put("currency", t.getCurrency());
    n.put("amount_micros", t.getAmountMicros());
    n.put("billable_millis", t.getBillableMillis());
    n.put("task_count", t.getTaskCount());
    n.put("updated_at", t.getUpdatedAt().toString());
    ObjectNode models = n.putObject("models");
    for (Map.Entry<String, ModelTotal> m : new TreeMap<>(t.getModels()).entrySet()) {
      ObjectNode mn = models.putObject(m.getKey());
      mn.put("amount_micros", m.getValue().getAmountMicros());
      mn.put("billable_millis", m.getValue().getBillableMillis());
      mn.put("task_count", m.getValue().getTaskCount());
    }
    return n;
  }

  private JsonNode body(Request req) {
    if (req.getLength() > MAX_BODY) {
      throw new BadRequest("body larger than " + MAX_BODY + " bytes");
    }
    String text;
    try {
      text = Content.Source.asString(req, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BadRequest("body could not be read");
    }
    if (text.length() > MAX_BODY) {
      throw new BadRequest("body larger than " + MAX_BODY + " bytes");
    }
    try {
      JsonNode node = mapper.readTree(text);
      if (node == null || !(node.isObject() || node.isArray())) {
        throw new BadRequest("body must be a JSON request object or an array of them");
      }
      return node;
    } catch (IOException e) {
      throw new BadRequest("body is not JSON");
    }
  }

  /** A validated totals query. */
  record TotalsQuery(String account, LocalDate from, LocalDate to) {
    static TotalsQuery of(Request req) {
      Fields f = Request.extractQueryParameters(req, StandardCharsets.UTF_8);
      String account = f.getValue("account");
      if (account == null || account.isBlank()) {
        throw new BadRequest("account is required");
      }
      if (account.length() > 256 || account.contains("|")) {
        throw new BadRequest("account is not a valid account id");
      }
      LocalDate from = date(f.getValue("from"), "from");
      LocalDate to = date(f.getValue("to"), "to");
      if (to.isBefore(from)) {
        throw new BadRequest("to must not be before from");
      }
      if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
        throw new BadRequest("at most " + MAX_DAYS + " days per query");
      }
      return new TotalsQuery(account, from, to);
    }

    private static LocalDate date(String value, String name) {
      if (value == null || value.isBlank()) {
        throw new BadRequest(name + " is required (YYYY-MM-DD)");
      }
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        throw new BadRequest(name + " must be a date YYYY-MM-DD");
      }
    }
  }
}
