package io.wanpipeline.infra.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.schemas.json.JsonRecords;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the pipeline benchmark asks for: per lane (provider account, model), a backlog of BATCH
 * requests larger than the lane can drain in the run, spread over the model's classes (resolution
 * and duration), and LIVE requests arriving while the backlog waits. Each request names the size of
 * its video to the simulator ({@code [sim:video-bytes=N]}); how long it runs the simulator alone
 * decides.
 */
final class PipelineWorkload {
  /** The caller account (account_id) of every request. */
  static final String CALLER = "bench-team";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "https://example.com/bench/frame.png";

  /**
   * One lane.
   *
   * @param account provider account name
   * @param model model id
   * @param slots tasks in progress the pipeline allows the lane (its catalogue's concurrency)
   */
  record Lane(String account, String model, int slots) {
    String key() {
      return account + "|" + model;
    }
  }

  /** One request and the lane it is for. */
  record Planned(Lane lane, ObjectNode json) {}

  private final List<Lane> lanes;
  private final long minBytes;
  private final long maxBytes;
  private final Random random;

  PipelineWorkload(List<Lane> lanes, long minBytes, long maxBytes, long seed) {
    this.lanes = List.copyOf(lanes);
    this.minBytes = minBytes;
    this.maxBytes = maxBytes;
    this.random = new Random(seed);
  }

  List<Lane> lanes() {
    return lanes;
  }

  /**
   * The backlog: per lane, {@code factor} times what its slots could finish in {@code length} if
   * every task took {@code shortest}, so no lane runs dry during the run.
   */
  List<Planned> backlog(Duration length, Duration shortest, double factor) {
    List<Planned> all = new ArrayList<>();
    for (Lane lane : lanes) {
      long n =
          Math.max(
              lane.slots() * 2L,
              Math.round(factor * lane.slots() * length.toMillis() / (double) shortest.toMillis()));
      for (long i = 0; i < n; i++) {
        all.add(new Planned(lane, request(lane, "b" + i)));
      }
    }
    return all;
  }

  /** The backlog as a batch file's lines (one JSON object each, with its custom_id). */
  static List<String> batchLines(List<Planned> backlog) {
    List<String> lines = new ArrayList<>(backlog.size());
    for (Planned p : backlog) {
      ObjectNode line = p.json().deepCopy();
      String custom = line.remove("request_id").asText();
      line.put("custom_id", custom);
      lines.add(line.toString());
    }
    return lines;
  }

  /**
   * The LIVE arrivals: {@code perLane} requests per lane at random moments within {@code from} ..
   * {@code to} after the start, in time order.
   */
  List<Arrival> liveArrivals(int perLane, Duration from, Duration to) {
    List<Arrival> arrivals = new ArrayList<>();
    long span = to.toMillis() - from.toMillis();
    for (Lane lane : lanes) {
      for (int i = 0; i < perLane; i++) {
        Duration at = from.plusMillis((long) (random.nextDouble() * span));
        ObjectNode json = request(lane, "live-" + i);
        json.put("account_id", CALLER);
        json.put("priority", Priority.LIVE.name());
        arrivals.add(new Arrival(at, lane, JsonRecords.read(json, VideoRequest.getClassSchema())));
      }
    }
    arrivals.sort((a, b) -> a.after().compareTo(b.after()));
    return arrivals;
  }

  /**
   * A LIVE request due {@code after} the start.
   *
   * @param after when, from the start
   * @param lane its lane
   * @param request the request
   */
  record Arrival(Duration after, Lane lane, VideoRequest request) {
    Instant due(Instant start) {
      return start.plus(after);
    }
  }

  /** A request of {@code lane} in one of its model's classes, with a video size drawn. */
  private ObjectNode request(Lane lane, String id) {
    long bytes = minBytes + (long) (random.nextDouble() * (maxBytes - minBytes));
    String prompt = "bench " + id + " [sim:video-bytes=" + bytes + "]";
    ObjectNode json = JSON.createObjectNode();
    json.put("request_id", lane.account() + "-" + lane.model().replace('.', '_') + "-" + id);
    json.put("provider_account", lane.account());
    json.put("model", lane.model());
    ObjectNode input = json.putObject("input");
    input.put("prompt", prompt);
    ObjectNode parameters = json.putObject("parameters");
    switch (lane.model()) {
      case "wan2.2-i2v-flash" -> {
        input.put("img_url", IMAGE);
        parameters.put("resolution", random.nextBoolean() ? "480P" : "720P");
      }
      case "wan2.6-t2v" -> {
        parameters.put("size", random.nextBoolean() ? "1280*720" : "1920*1080");
        parameters.put("duration", random.nextBoolean() ? 5 : 10);
      }
      default -> throw new IllegalArgumentException("no request shape for " + lane.model());
    }
    json.set("metadata", JSON.valueToTree(Map.of("bench", "pipeline")));
    return json;
  }
}
