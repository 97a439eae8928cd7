package io.wanpipeline.infra.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.schemas.lifecycle.TaskStates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The command line's reader of the status view's HTTP API (docs/configuration.md section 10). */
public final class StatusViewClient {
  /** The states after which a request waits for nothing more. */
  public static final Set<String> TERMINAL =
      TaskStates.TERMINAL.stream().map(Enum::name).collect(Collectors.toUnmodifiableSet());

  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final URI base;

  /** A client of the status view at {@code base} ({@code http://host:port}). */
  public StatusViewClient(URI base) {
    this.base = base;
  }

  /** The request's lifecycle, or empty when the view has read no event of it. */
  public Optional<JsonNode> request(String requestId) throws IOException, InterruptedException {
    return get("/status/requests/" + requestId);
  }

  /** The batch's requests counted by latest state (empty when none was seen yet). */
  public Map<String, Long> batchCounts(String batchId) throws IOException, InterruptedException {
    Map<String, Long> counts = new TreeMap<>();
    get("/status/batches/" + batchId)
        .ifPresent(
            answer ->
                answer
                    .path("counts")
                    .properties()
                    .forEach(e -> counts.put(e.getKey(), e.getValue().asLong())));
    return counts;
  }

  /**
   * One page of the batch's requests in request_id order, after {@code after} (from the start when
   * null), at most {@code limit}: the answer's {@code requests}, and {@code next_after} (null at
   * the end).
   */
  public JsonNode batchPage(String batchId, String after, int limit)
      throws IOException, InterruptedException {
    String path =
        "/status/batches/"
            + batchId
            + "/requests?limit="
            + limit
            + (after == null ? "" : "&after=" + after);
    return get(path).orElseThrow(() -> new IOException("the status view has no route " + path));
  }

  /** Every batch the view has seen: {@code batches}, each with batch_id, total and counts. */
  public JsonNode batches() throws IOException, InterruptedException {
    return get("/status/batches")
        .orElseThrow(() -> new IOException("the status view has no route /status/batches"));
  }

  /** The request ids of {@code batchId} the view has seen, page by page. */
  public Set<String> seenRequestIds(String batchId) throws IOException, InterruptedException {
    Set<String> seen = new java.util.HashSet<>();
    String after = null;
    do {
      JsonNode page = batchPage(batchId, after, 1000);
      page.path("requests").forEach(r -> seen.add(r.path("request_id").asText()));
      after = page.path("next_after").isNull() ? null : page.path("next_after").asText();
    } while (after != null);
    return seen;
  }

  private Optional<JsonNode> get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      // A refused connection's exception has no message: say what could not be reached.
      throw new IOException(
          "cannot reach the status view at " + base + " (" + e.getClass().getSimpleName() + ")", e);
    }
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() != 200) {
      throw new IOException(
          "the status view at "
              + base
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    return Optional.of(json.readTree(response.body()));
  }
}
