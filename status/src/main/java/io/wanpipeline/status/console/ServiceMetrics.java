package io.wanpipeline.status.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.status.console.PrometheusText.Sample;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What the console shows of the other services, read from their Prometheus endpoints ({@code
 * status.console.metrics-urls}): the submitter's lanes (waiting, in progress against the cap,
 * accepted create calls a second), the poller's query budget per account and the 429s the provider
 * answered, the archiver's backlog and the archives whose links are at risk. Read at most every
 * {@link #REFRESH} (the console asks every few seconds, whoever is looking); rates are counted
 * between two reads.
 */
public final class ServiceMetrics {
  /** How long one read is reused. */
  static final Duration REFRESH = Duration.ofSeconds(4);

  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final List<URI> sources;
  private final Clock clock;
  private final ObjectMapper mapper = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private Read last;
  private Read before;

  /** Reads {@code sources} (each a service's {@code /metrics} URL). */
  public ServiceMetrics(List<URI> sources, Clock clock) {
    this.sources = List.copyOf(sources);
    this.clock = clock;
  }

  private record Read(Instant at, List<Sample> samples, ArrayNode status) {}

  /** The console's {@code pipeline} section, from a read at most {@link #REFRESH} old. */
  public synchronized ObjectNode snapshot() {
    Instant now = clock.instant();
    if (last == null || !now.isBefore(last.at.plus(REFRESH))) {
      before = last;
      last = read(now);
    }
    ObjectNode out = mapper.createObjectNode();
    out.put("read_at", last.at.toString());
    out.set("sources", last.status);
    lanes(out.putArray("lanes"));
    accounts(out.putArray("accounts"));
    archive(out.putObject("archive"));
    return out;
  }

  private Read read(Instant now) {
    List<Sample> samples = new ArrayList<>();
    ArrayNode status = mapper.createArrayNode();
    for (URI source : sources) {
      ObjectNode s = status.addObject();
      s.put("url", source.toString());
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(source).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          samples.addAll(PrometheusText.parse(r.body()));
          s.put("ok", true);
        } else {
          s.put("ok", false).put("error", "answered " + r.statusCode());
        }
      } catch (IOException e) {
        s.put("ok", false).put("error", "did not answer: " + e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.put("ok", false).put("error", "interrupted");
      }
    }
    return new Read(now, samples, status);
  }

  private void lanes(ArrayNode out) {
    Map<String, double[]> lanes = new TreeMap<>();
    String[] names = {
      "wan_dispatch_waiting", "wan_dispatch_in_progress", "wan_dispatch_in_progress_max"
    };
    for (int i = 0; i < names.length; i++) {
      int column = i;
      String name = names[i];
      sum(last, s -> s.name().equals(name), s -> s.label("account") + "|" + s.label("model"))
          .forEach((lane, v) -> lanes.computeIfAbsent(lane, k -> new double[3])[column] = v);
    }
    Map<String, Double> accepted =
        rate(
            s -> s.name().equals("wan_submit_calls_total") && s.label("outcome").equals("accepted"),
            s -> s.label("account") + "|" + s.label("model"));
    lanes.forEach(
        (lane, v) -> {
          ObjectNode l = out.addObject();
          l.put("account", lane.substring(0, lane.indexOf('|')));
          l.put("model", lane.substring(lane.indexOf('|') + 1));
          l.put("waiting", (long) v[0]);
          l.put("in_progress", (long) v[1]);
          l.put("max_in_progress", (long) v[2]);
          Double rate = accepted.get(lane);
          if (rate == null) {
            l.putNull("submits_per_second");
          } else {
            l.put("submits_per_second", Math.round(rate * 100) / 100.0);
          }
        });
  }

  private void accounts(ArrayNode out) {
    Map<String, Double> held =
        sum(last, s -> s.name().equals("wan_poll_budget_held"), s -> s.label("account"));
    Map<String, Double> limit =
        sum(last, s -> s.name().equals("wan_poll_budget_limit"), s -> s.label("account"));
    Predicate<Sample> throttled =
        s ->
            (s.name().equals("wan_poll_calls_total") || s.name().equals("wan_submit_calls_total"))
                && s.label("outcome").equals("throttled");
    Map<String, Double> throttledTotal = sum(last, throttled, s -> s.label("account"));
    Map<String, Double> throttledRate = rate(throttled, s -> s.label("account"));
    Map<String, Boolean> accounts = new TreeMap<>();
    held.keySet().forEach(a -> accounts.put(a, true));
    limit.keySet().forEach(a -> accounts.put(a, true));
    throttledTotal.keySet().forEach(a -> accounts.put(a, true));
    accounts.keySet().stream()
        .filter(a -> !a.isEmpty())
        .forEach(
            a -> {
              ObjectNode n = out.addObject();
              n.put("account", a);
              n.put("query_permits_held", held.getOrDefault(a, 0.0).longValue());
              n.put("query_permits_limit", limit.getOrDefault(a, 0.0).longValue());
              n.put("throttled_total", throttledTotal.getOrDefault(a, 0.0).longValue());
              Double rate = throttledRate.get(a);
              if (rate == null) {
                n.putNull("throttled_per_second");
              } else {
                n.put("throttled_per_second", Math.round(rate * 100) / 100.0);
              }
            });
  }

  private void archive(ObjectNode out) {
    Map<String, Double> backlog =
        sum(last, s -> s.name().equals("wan_archive_backlog"), s -> s.label("state"));
    out.put("queued", backlog.getOrDefault("queued", 0.0).longValue());
    out.put("in_flight", backlog.getOrDefault("in_flight", 0.0).longValue());
    out.put(
        "expiry_at_risk",
        sum(last, s -> s.name().equals("wan_archive_expiry_at_risk"), s -> "")
            .getOrDefault("", 0.0)
            .longValue());
  }

  /** The per-second increase of the selected counters between the last two reads, by group. */
  private Map<String, Double> rate(
      Predicate<Sample> which, java.util.function.Function<Sample, String> group) {
    Map<String, Double> out = new TreeMap<>();
    if (before == null) {
      return out;
    }
    double seconds = Duration.between(before.at, last.at).toMillis() / 1000.0;
    if (seconds <= 0) {
      return out;
    }
    Map<String, Double> then = sum(before, which, group);
    sum(last, which, group)
        .forEach((k, v) -> out.put(k, Math.max(0, v - then.getOrDefault(k, 0.0)) / seconds));
    return out;
  }

  private static Map<String, Double> sum(
      Read read, Predicate<Sample> which, java.util.function.Function<Sample, String> group) {
    Map<String, Double> out = new TreeMap<>();
    for (Sample s : read.samples) {
      if (which.test(s)) {
        out.merge(group.apply(s), s.value(), Double::sum);
      }
    }
    return out;
  }
}
