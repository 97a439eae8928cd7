package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Everything the simulator saw, for tests to hold clients against: create calls per pipeline
 * request_id, polls per task (instant and key), cancels, list calls, downloads with the SHA-256 of
 * what was served, and each task's model, tier, usage and state. Thread-safe; every accessor
 * returns an immutable snapshot. Also served as JSON on {@code GET /__sim/ledger}.
 *
 * <p>Keys are never stored: calls name them by {@link #keyId(String)}. Instants come from the
 * simulator's clock.
 */
public final class SimulatorLedger {

  /**
   * One create call, whatever its answer.
   *
   * @param pipelineRequestId the {@code X-Wan-Pipeline-Request-Id} header, or null when absent
   * @param at when it arrived
   * @param account the key's account, or null when the key was refused
   * @param keyId the key's id, or null when absent
   * @param model the body's model, or null when unreadable
   * @param path the create path called
   * @param httpStatus the answer's status (0 for a reset connection)
   * @param code the provider code of a refusal, or null
   * @param taskId the task created, or null when none was
   */
  public record Submission(
      String pipelineRequestId,
      Instant at,
      String account,
      String keyId,
      String model,
      String path,
      int httpStatus,
      String code,
      String taskId) {}

  /**
   * One {@code GET /api/v1/tasks/{id}}.
   *
   * @param taskId the task asked about
   * @param at when it arrived
   * @param account the key's account, or null when refused
   * @param keyId the key's id, or null when absent
   * @param status the task_status answered, or null when the call failed
   * @param httpStatus the answer's status (0 for a reset connection)
   */
  public record Poll(
      String taskId, Instant at, String account, String keyId, String status, int httpStatus) {}

  /**
   * One {@code POST /api/v1/tasks/{id}/cancel}.
   *
   * @param taskId the task
   * @param at when it arrived
   * @param account the key's account, or null when refused
   * @param keyId the key's id
   * @param httpStatus the answer's status
   * @param canceled whether the task was cancelled
   */
  public record Cancel(
      String taskId, Instant at, String account, String keyId, int httpStatus, boolean canceled) {}

  /**
   * One {@code GET /api/v1/tasks?...}.
   *
   * @param at when it arrived
   * @param account the key's account, or null when refused
   * @param keyId the key's id
   * @param httpStatus the answer's status
   * @param returned tasks on the page answered
   */
  public record ListCall(Instant at, String account, String keyId, int httpStatus, int returned) {}

  /**
   * One request for a result link, recorded when its answer starts; a transfer that then breaks
   * adds a second entry with refusal {@code aborted}.
   *
   * @param taskId the task named in the path, or null
   * @param at when it arrived
   * @param httpStatus the answer's status
   * @param refusal the OSS error code of a refusal, or null
   * @param bytes bytes served (0 when refused)
   * @param sha256 SHA-256 of the served bytes, or null when refused
   */
  public record Download(
      String taskId, Instant at, int httpStatus, String refusal, long bytes, String sha256) {}

  /**
   * One task as it stands now.
   *
   * @param taskId provider task id
   * @param pipelineRequestId the create call's pipeline request_id, or null
   * @param account account that owns it
   * @param keyId key that created it
   * @param model model id
   * @param endpointPath create path used
   * @param tier tier produced and billed: the resolution tier ({@code 720P}), or the mode in upper
   *     case ({@code WAN-STD}, {@code WAN-PRO}) for the models priced by mode (animate)
   * @param audio whether the create call asked for an audio track ({@code parameters.audio} true;
   *     absent counts as false), which selects the audio price of models priced by it
   * @param usageMillis seconds produced (as reported in usage) in milliseconds; billed only when
   *     SUCCEEDED
   * @param state PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED or UNKNOWN (expired)
   * @param errorCode FAILED code, or null
   * @param submitted creation time
   * @param started generation start, or null
   * @param ended end time, or null
   * @param videoSha256 SHA-256 of the MP4 this task serves
   * @param videoBytes size of that MP4
   */
  public record TaskRecord(
      String taskId,
      String pipelineRequestId,
      String account,
      String keyId,
      String model,
      String endpointPath,
      String tier,
      boolean audio,
      long usageMillis,
      String state,
      String errorCode,
      Instant submitted,
      Instant started,
      Instant ended,
      String videoSha256,
      long videoBytes) {}

  private final List<Submission> submissions = new ArrayList<>();
  private final List<Poll> polls = new ArrayList<>();
  private final List<Cancel> cancels = new ArrayList<>();
  private final List<ListCall> lists = new ArrayList<>();
  private final List<Download> downloads = new ArrayList<>();
  private final Supplier<List<TaskRecord>> tasks;
  private final ObjectMapper mapper =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  SimulatorLedger(Supplier<List<TaskRecord>> tasks) {
    this.tasks = tasks;
  }

  /** The non-secret id under which the ledger names a key: {@code key-} + 8 hex of its SHA-256. */
  public static String keyId(String secret) {
    return secret == null ? null : "key-" + OssLinkSigner.sha256Hex(secret).substring(0, 8);
  }

  synchronized void record(Submission s) {
    submissions.add(s);
  }

  synchronized void record(Poll p) {
    polls.add(p);
  }

  synchronized void record(Cancel c) {
    cancels.add(c);
  }

  synchronized void record(ListCall l) {
    lists.add(l);
  }

  synchronized void record(Download d) {
    downloads.add(d);
  }

  /** Every create call, in arrival order. */
  public synchronized List<Submission> submissions() {
    return List.copyOf(submissions);
  }

  /** The create calls that carried {@code pipelineRequestId}. */
  public synchronized List<Submission> submissions(String pipelineRequestId) {
    return submissions.stream()
        .filter(s -> pipelineRequestId.equals(s.pipelineRequestId()))
        .collect(Collectors.toUnmodifiableList());
  }

  /** How many create calls carried {@code pipelineRequestId}. */
  public int submissionCount(String pipelineRequestId) {
    return submissions(pipelineRequestId).size();
  }

  /** The largest number of create calls that carried one pipeline request_id (0 when none). */
  public synchronized int maxSubmissionsPerRequestId() {
    return maxPerRequestId(s -> true);
  }

  /** The largest number of tasks created for one pipeline request_id (0 when none). */
  public synchronized int maxTasksPerRequestId() {
    return maxPerRequestId(s -> s.taskId() != null);
  }

  private int maxPerRequestId(Predicate<Submission> counted) {
    return submissions.stream()
        .filter(s -> s.pipelineRequestId() != null && counted.test(s))
        .collect(Collectors.groupingBy(Submission::pipelineRequestId, Collectors.counting()))
        .values()
        .stream()
        .mapToInt(Long::intValue)
        .max()
        .orElse(0);
  }

  /** Every task query, in arrival order. */
  public synchronized List<Poll> polls() {
    return List.copyOf(polls);
  }

  /** The queries of one task, in arrival order. */
  public synchronized List<Poll> polls(String taskId) {
    return polls.stream()
        .filter(p -> taskId.equals(p.taskId()))
        .collect(Collectors.toUnmodifiableList());
  }

  /** The shortest time between two consecutive queries of {@code taskId}; empty below 2 polls. */
  public Optional<Duration> minPollGap(String taskId) {
    return minGap(polls(taskId));
  }

  /**
   * The shortest time between consecutive queries of any one task; empty when none polled twice.
   */
  public synchronized Optional<Duration> minPollGap() {
    return polls.stream().collect(Collectors.groupingBy(Poll::taskId)).values().stream()
        .map(SimulatorLedger::minGap)
        .flatMap(Optional::stream)
        .min(Comparator.naturalOrder());
  }

  /**
   * The most query-type calls (task queries, lists and cancels, which share the provider's 20 QPS
   * budget) that {@code account} made within any one-second window.
   */
  public synchronized int maxPollsPerSecond(String account) {
    List<Instant> times = new ArrayList<>();
    polls.stream().filter(p -> account.equals(p.account())).forEach(p -> times.add(p.at()));
    cancels.stream().filter(c -> account.equals(c.account())).forEach(c -> times.add(c.at()));
    lists.stream().filter(l -> account.equals(l.account())).forEach(l -> times.add(l.at()));
    times.sort(Comparator.naturalOrder());
    int best = 0;
    int from = 0;
    for (int to = 0; to < times.size(); to++) {
      while (!times.get(from).plusSeconds(1).isAfter(times.get(to))) {
        from++;
      }
      best = Math.max(best, to - from + 1);
    }
    return best;
  }

  /** {@link #maxPollsPerSecond(String)} for every account that made a query-type call. */
  public synchronized Map<String, Integer> maxPollsPerSecondByAccount() {
    Map<String, Integer> out = new TreeMap<>();
    List<String> accounts = new ArrayList<>();
    polls.forEach(p -> accounts.add(p.account()));
    cancels.forEach(c -> accounts.add(c.account()));
    lists.forEach(l -> accounts.add(l.account()));
    accounts.stream()
        .filter(a -> a != null)
        .distinct()
        .forEach(a -> out.put(a, maxPollsPerSecond(a)));
    return out;
  }

  /** Every cancel call. */
  public synchronized List<Cancel> cancels() {
    return List.copyOf(cancels);
  }

  /** Every list call. */
  public synchronized List<ListCall> lists() {
    return List.copyOf(lists);
  }

  /** Every request for a result link. */
  public synchronized List<Download> downloads() {
    return List.copyOf(downloads);
  }

  /** The requests for one task's result link. */
  public synchronized List<Download> downloads(String taskId) {
    return downloads.stream()
        .filter(d -> taskId.equals(d.taskId()))
        .collect(Collectors.toUnmodifiableList());
  }

  /** Every task ever created, as it stands now, oldest first. */
  public List<TaskRecord> tasks() {
    return List.copyOf(tasks.get());
  }

  /** One task as it stands now. */
  public Optional<TaskRecord> task(String taskId) {
    return tasks().stream().filter(t -> t.taskId().equals(taskId)).findFirst();
  }

  /** The tasks created for one pipeline request_id (more than one is a double submission). */
  public List<TaskRecord> tasksOfRequest(String pipelineRequestId) {
    return tasks().stream()
        .filter(t -> pipelineRequestId.equals(t.pipelineRequestId()))
        .collect(Collectors.toUnmodifiableList());
  }

  /** Output milliseconds of all SUCCEEDED tasks: what the provider would bill. */
  public long billableMillis() {
    return tasks().stream()
        .filter(t -> "SUCCEEDED".equals(t.state()))
        .mapToLong(TaskRecord::usageMillis)
        .sum();
  }

  /** The whole ledger as JSON (what {@code GET /__sim/ledger} serves). */
  public byte[] toJson() {
    ObjectNode root = mapper.createObjectNode();
    List<TaskRecord> taskSnapshot = tasks();
    synchronized (this) {
      Map<String, List<Instant>> perRequest = new HashMap<>();
      submissions.stream()
          .filter(s -> s.pipelineRequestId() != null)
          .forEach(
              s ->
                  perRequest
                      .computeIfAbsent(s.pipelineRequestId(), k -> new ArrayList<>())
                      .add(s.at()));
      ObjectNode byRequest = root.putObject("submissionsByRequestId");
      new TreeMap<>(perRequest)
          .forEach(
              (id, times) -> {
                ObjectNode n = byRequest.putObject(id);
                n.put("count", times.size());
                n.set("times", mapper.valueToTree(times));
              });
      root.set("submissions", mapper.valueToTree(submissions));
      root.set("polls", mapper.valueToTree(polls));
      root.set("cancels", mapper.valueToTree(cancels));
      root.set("lists", mapper.valueToTree(lists));
      root.set("downloads", mapper.valueToTree(downloads));
      ObjectNode summary = root.putObject("summary");
      summary.put("maxSubmissionsPerRequestId", maxSubmissionsPerRequestId());
      summary.put("maxTasksPerRequestId", maxTasksPerRequestId());
      minPollGap().ifPresent(g -> summary.put("minPollGapMillis", g.toMillis()));
      summary.set("maxPollsPerSecondByAccount", mapper.valueToTree(maxPollsPerSecondByAccount()));
    }
    root.set("tasks", mapper.valueToTree(taskSnapshot));
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      return ("{\"error\":\"" + e.getClass().getSimpleName() + "\"}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  private static Optional<Duration> minGap(List<Poll> list) {
    List<Instant> times = list.stream().map(Poll::at).sorted().collect(Collectors.toList());
    Duration best = null;
    for (int i = 1; i < times.size(); i++) {
      Duration gap = Duration.between(times.get(i - 1), times.get(i));
      if (best == null || gap.compareTo(best) < 0) {
        best = gap;
      }
    }
    return Optional.ofNullable(best);
  }
}
