package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.schemas.topics.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the committed status events of every request from the beginning of {@code task-status} and
 * counts, per request_id, the terminal states it reached (a request must reach exactly one), its
 * billable successes (SUCCEEDED or LATE_SUCCEEDED) and the archiver's ends (ARCHIVED or
 * ARCHIVE_FAILED) with their events.
 */
final class StatusTally implements AutoCloseable {
  /** The states after which a request has ended, as far as submitter and poller go. */
  static final Set<TaskState> TERMINAL =
      EnumSet.of(
          TaskState.SUCCEEDED,
          TaskState.FAILED,
          TaskState.CANCELED,
          TaskState.TIMED_OUT,
          TaskState.UNKNOWN,
          TaskState.REJECTED);

  /** The states that are billed and archived. */
  static final Set<TaskState> SUCCESSES = EnumSet.of(TaskState.SUCCEEDED, TaskState.LATE_SUCCEEDED);

  /** The archiver's terminal states. */
  static final Set<TaskState> ARCHIVE_ENDS =
      EnumSet.of(TaskState.ARCHIVED, TaskState.ARCHIVE_FAILED);

  /** The error code of a request whose create call may or may not have reached the provider. */
  static final String SUBMIT_IN_DOUBT = "SUBMIT_IN_DOUBT";

  private final CommittedReader<TaskStatus> reader;
  private final Map<String, List<TaskState>> terminals = new HashMap<>();
  private final Map<String, Integer> inDoubt = new HashMap<>();
  private final Map<String, String> inDoubtLanes = new HashMap<>();
  private final Map<String, Integer> successes = new HashMap<>();
  private final Map<String, Instant> firstSuccessAt = new HashMap<>();
  private final Map<String, List<TaskStatus>> archiveEnds = new HashMap<>();
  private long events;

  StatusTally(String bootstrapServers, Topic<String, TaskStatus> topic) {
    this.reader = new CommittedReader<>(bootstrapServers, topic);
  }

  /** Reads what was committed since the last call, up to the current end of every partition. */
  synchronized StatusTally refresh() {
    reader.readToEnd((key, status) -> count(status));
    return this;
  }

  private void count(TaskStatus status) {
    events++;
    String requestId = status.getRequestId();
    if (SUCCESSES.contains(status.getState())) {
      successes.merge(requestId, 1, Integer::sum);
      firstSuccessAt.putIfAbsent(requestId, status.getEventTime());
    }
    if (ARCHIVE_ENDS.contains(status.getState())) {
      archiveEnds.computeIfAbsent(requestId, k -> new ArrayList<>()).add(status);
    }
    if (TERMINAL.contains(status.getState())) {
      terminals.computeIfAbsent(requestId, k -> new ArrayList<>()).add(status.getState());
      if (status.getState() == TaskState.FAILED
          && status.getError() != null
          && SUBMIT_IN_DOUBT.equals(status.getError().getCode())) {
        inDoubt.merge(requestId, 1, Integer::sum);
        inDoubtLanes.put(requestId, status.getProviderAccount() + "|" + status.getModel());
      }
    }
  }

  /** Status events read so far. */
  synchronized long events() {
    return events;
  }

  /** How many of {@code requestIds} have reached a terminal state. */
  synchronized long ended(Set<String> requestIds) {
    return requestIds.stream().filter(terminals::containsKey).count();
  }

  /** The requests among {@code requestIds} with no terminal state yet. */
  synchronized List<String> notEnded(Set<String> requestIds) {
    return requestIds.stream().filter(id -> !terminals.containsKey(id)).sorted().toList();
  }

  /** The requests that reached more than one terminal state, with the states. */
  synchronized Map<String, List<TaskState>> endedMoreThanOnce() {
    Map<String, List<TaskState>> out = new TreeMap<>();
    terminals.forEach(
        (id, states) -> {
          if (states.size() > 1) {
            out.put(id, List.copyOf(states));
          }
        });
    return out;
  }

  /** The terminal states of every request that reached one, in the order they were read. */
  synchronized Map<String, List<TaskState>> terminalStates() {
    Map<String, List<TaskState>> out = new TreeMap<>();
    terminals.forEach((id, states) -> out.put(id, List.copyOf(states)));
    return out;
  }

  /** Terminal events by state (a request ending twice is counted twice). */
  synchronized Map<TaskState, Integer> byState() {
    Map<TaskState, Integer> out = new TreeMap<>();
    terminals.values().forEach(states -> states.forEach(s -> out.merge(s, 1, Integer::sum)));
    return out;
  }

  /** Requests that ended FAILED with {@value #SUBMIT_IN_DOUBT}. */
  synchronized int inDoubtRequests() {
    return inDoubt.size();
  }

  /** The requests that ended FAILED with {@value #SUBMIT_IN_DOUBT}, sorted. */
  synchronized Set<String> inDoubtIds() {
    return new java.util.TreeSet<>(inDoubt.keySet());
  }

  /** How many requests ended in doubt in each dispatcher lane ({@code provider_account|model}). */
  synchronized Map<String, Integer> inDoubtByLane() {
    Map<String, Integer> out = new TreeMap<>();
    inDoubtLanes.values().forEach(lane -> out.merge(lane, 1, Integer::sum));
    return out;
  }

  /** The requests with a SUCCEEDED or LATE_SUCCEEDED event, sorted. */
  synchronized Set<String> succeeded() {
    return new java.util.TreeSet<>(successes.keySet());
  }

  /** The event time of the first SUCCEEDED or LATE_SUCCEEDED event of {@code requestId}, if any. */
  synchronized Optional<Instant> succeededAt(String requestId) {
    return Optional.ofNullable(firstSuccessAt.get(requestId));
  }

  /** How many of the succeeded requests have an ARCHIVED or ARCHIVE_FAILED event. */
  synchronized long archivedOrFailed() {
    return successes.keySet().stream().filter(archiveEnds::containsKey).count();
  }

  /** Every ARCHIVED and ARCHIVE_FAILED event by request_id, in order. */
  synchronized Map<String, List<TaskStatus>> archiveEnds() {
    Map<String, List<TaskStatus>> out = new TreeMap<>();
    archiveEnds.forEach((id, events) -> out.put(id, List.copyOf(events)));
    return out;
  }

  /** Requests with a terminal state that the test never produced. */
  synchronized List<String> unknownRequests(Set<String> produced) {
    return terminals.keySet().stream().filter(id -> !produced.contains(id)).sorted().toList();
  }

  @Override
  public synchronized void close() {
    reader.close();
  }
}
