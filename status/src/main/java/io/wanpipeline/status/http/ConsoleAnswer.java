package io.wanpipeline.status.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.runtime.http.JsonApiServer;
import io.wanpipeline.status.console.ServiceMetrics;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The console's one answer, {@code GET /status/console}: requests in flight (by state, and the
 * longest waiting), the latest failures with their reasons, the most recently updated requests, the
 * spend of the UTC day per account and currency, the batches, each gathered from every instance;
 * and the other services' lanes, query budgets, 429s and archive backlog ({@link ServiceMetrics}),
 * when configured.
 */
final class ConsoleAnswer {
  /** Requests listed as the longest in flight, and as the latest failures. */
  static final int LISTED = 20;

  private final ObjectMapper mapper;
  private final Clock clock;
  private final ServiceMetrics metrics;

  ConsoleAnswer(ObjectMapper mapper, Clock clock, ServiceMetrics metrics) {
    this.mapper = mapper;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** This instance's part: what {@code /status/local/console} answers. */
  ObjectNode local(StatusQueries q, Function<RequestLifecycle, JsonNode> json) {
    ObjectNode out = mapper.createObjectNode();
    StatusQueries.InFlight inFlight = q.localInFlight(LISTED);
    ObjectNode flight = out.putObject("in_flight");
    ObjectNode counts = flight.putObject("counts");
    inFlight.counts().forEach(counts::put);
    ArrayNode oldest = flight.putArray("oldest");
    inFlight.oldest().forEach(l -> oldest.add(json.apply(l)));
    ArrayNode failures = out.putArray("failures");
    q.localFailures(LISTED).forEach(l -> failures.add(json.apply(l)));
    ArrayNode recent = out.putArray("recent");
    q.localRecent(LISTED).forEach(l -> recent.add(json.apply(l)));
    ArrayNode spend = out.putArray("spend_today");
    for (AccountTotal t : q.localTotals(today())) {
      spend
          .addObject()
          .put("account_id", t.getAccountId())
          .put("currency", t.getCurrency())
          .put("amount_micros", t.getAmountMicros())
          .put("task_count", t.getTaskCount());
    }
    return out;
  }

  /** Every instance's parts, merged, with the batches and the services' metrics. */
  ObjectNode gathered(
      StatusQueries q,
      Function<RequestLifecycle, JsonNode> json,
      BiFunction<URI, String, Optional<JsonNode>> fetch,
      Supplier<JsonNode> batches) {
    List<JsonNode> parts = new ArrayList<>();
    for (URI instance : q.instances()) {
      if (instance.equals(q.self())) {
        parts.add(local(q, json));
      } else {
        parts.add(
            fetch
                .apply(instance, "/status/local/console")
                .orElseThrow(
                    () ->
                        new JsonApiServer.Unavailable(
                            "instance " + instance + " answered nothing")));
      }
    }
    ObjectNode out = mapper.createObjectNode();
    out.put("generated_at", clock.instant().toString());
    out.put("day", today());
    Map<String, Long> counts = new TreeMap<>();
    List<JsonNode> oldest = new ArrayList<>();
    List<JsonNode> failures = new ArrayList<>();
    List<JsonNode> recent = new ArrayList<>();
    Map<String, ObjectNode> spend = new TreeMap<>();
    for (JsonNode part : parts) {
      part.path("in_flight")
          .path("counts")
          .properties()
          .forEach(e -> counts.merge(e.getKey(), e.getValue().asLong(), Long::sum));
      part.path("in_flight").path("oldest").forEach(oldest::add);
      part.path("failures").forEach(failures::add);
      part.path("recent").forEach(recent::add);
      for (JsonNode t : part.path("spend_today")) {
        ObjectNode total =
            spend.computeIfAbsent(
                t.path("account_id").asText() + "|" + t.path("currency").asText(),
                k ->
                    mapper
                        .createObjectNode()
                        .put("account_id", t.path("account_id").asText())
                        .put("currency", t.path("currency").asText())
                        .put("amount_micros", 0L)
                        .put("task_count", 0L));
        total.put(
            "amount_micros",
            total.path("amount_micros").asLong() + t.path("amount_micros").asLong());
        total.put("task_count", total.path("task_count").asLong() + t.path("task_count").asLong());
      }
    }
    ObjectNode flight = out.putObject("in_flight");
    flight.put("total", counts.values().stream().mapToLong(Long::longValue).sum());
    ObjectNode byState = flight.putObject("counts");
    counts.forEach(byState::put);
    oldest.sort(Comparator.comparing((JsonNode n) -> n.path("since").asText()));
    flight.set("oldest", array(oldest));
    failures.sort(Comparator.comparing((JsonNode n) -> n.path("updated_at").asText()).reversed());
    out.set("failures", array(failures));
    recent.sort(Comparator.comparing((JsonNode n) -> n.path("updated_at").asText()).reversed());
    out.set("recent", array(recent));
    ArrayNode spendToday = out.putArray("spend_today");
    spend.values().forEach(spendToday::add);
    out.set("batches", batches.get().path("batches"));
    if (metrics == null) {
      out.putNull("pipeline");
    } else {
      out.set("pipeline", metrics.snapshot());
    }
    return out;
  }

  private ArrayNode array(List<JsonNode> nodes) {
    ArrayNode a = mapper.createArrayNode();
    nodes.stream().limit(LISTED).forEach(a::add);
    return a;
  }

  private String today() {
    return Instant.now(clock).atZone(ZoneOffset.UTC).toLocalDate().toString();
  }
}
