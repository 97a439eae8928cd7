package io.wanpipeline.infra.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/** The command line's reader of the status view's HTTP API (docs/configuration.md section 10). */
public final class StatusViewClient {
  /** The states after which a request waits for nothing more. */
  public static final Set<String> TERMINAL =
      Set.of(
          "ARCHIVED", "ARCHIVE_FAILED", "FAILED", "CANCELED", "TIMED_OUT", "UNKNOWN", "REJECTED");

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
