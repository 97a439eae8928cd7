package io.wanpipeline.infra.chaos;

import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;

/**
 * What the provider saw, from the simulator's ledger: no request_id whose create call reached it
 * twice (refusals that created nothing excluded) or that made two tasks, no account over its query
 * budget in any one-second window (pollers, reconciliation and the archivers' link queries
 * together), no task queried twice within the poll floor, no query-type call answered 429, and the
 * provider outage felt by create calls.
 */
final class ProviderLedgerCheck {
  private static final Duration MIN_POLL_GAP = Duration.ofSeconds(3);

  private final int queryBudget;
  private final int createCalls;
  private final long createCalls429;
  private final long createCalls503;
  private final int maxCreateCalls;
  private final Map<String, Long> requestsCreatedTwice;
  private final Map<String, Long> tasksCreatedTwice;
  private final int maxTasksPerRequest;
  private final int polls;
  private final long polls503;
  private final int lists;
  private final int cancels;
  private final Map<String, Integer> maxQueriesPerSecond;
  private final Optional<Duration> minPollGap;
  private final long pollGapsUnderFloor;
  private final long throttledQueries;

  /**
   * @param ledger the simulator's ledger once every service has stopped
   * @param queryBudget query, list and cancel calls per second allowed to each account
   */
  ProviderLedgerCheck(SimulatorLedger ledger, int queryBudget) {
    this.queryBudget = queryBudget;
    List<SimulatorLedger.Submission> submissions = ledger.submissions();
    this.createCalls = submissions.size();
    this.createCalls429 = submissions.stream().filter(s -> s.httpStatus() == 429).count();
    this.createCalls503 = submissions.stream().filter(s -> s.httpStatus() == 503).count();
    this.maxCreateCalls = ledger.maxSubmissionsPerRequestId();
    // A create call answered 429 created nothing (the provider did not take the task), nor did one
    // answered 503 without a task id: the suite's provider outage answers every create call so,
    // and the submitter retries that refusal by design. Every other answer, and every call left
    // unanswered, may have created a task, so it must not be repeated.
    this.requestsCreatedTwice =
        moreThanOnce(
            submissions,
            s -> s.httpStatus() != 429 && !(s.httpStatus() == 503 && s.taskId() == null));
    // A create call that created a task names it; a request_id must name at most one.
    this.tasksCreatedTwice = moreThanOnce(submissions, s -> s.taskId() != null);
    this.maxTasksPerRequest = ledger.maxTasksPerRequestId();
    List<SimulatorLedger.Poll> allPolls = ledger.polls();
    this.polls = allPolls.size();
    this.polls503 = allPolls.stream().filter(x -> x.httpStatus() == 503).count();
    this.lists = ledger.lists().size();
    this.cancels = ledger.cancels().size();
    this.maxQueriesPerSecond = ledger.maxPollsPerSecondByAccount();
    this.minPollGap = ledger.minPollGap();
    this.pollGapsUnderFloor = gapsUnder(allPolls, MIN_POLL_GAP);
    this.throttledQueries =
        allPolls.stream().filter(x -> x.httpStatus() == 429).count()
            + ledger.lists().stream().filter(x -> x.httpStatus() == 429).count()
            + ledger.cancels().stream().filter(x -> x.httpStatus() == 429).count();
  }

  private static Map<String, Long> moreThanOnce(
      List<SimulatorLedger.Submission> submissions, Predicate<SimulatorLedger.Submission> counted) {
    return submissions.stream()
        .filter(s -> s.pipelineRequestId() != null)
        .filter(counted)
        .collect(
            Collectors.groupingBy(
                SimulatorLedger.Submission::pipelineRequestId, TreeMap::new, Collectors.counting()))
        .entrySet()
        .stream()
        .filter(e -> e.getValue() > 1)
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  private static long gapsUnder(List<SimulatorLedger.Poll> polls, Duration floor) {
    Map<String, List<Instant>> byTask = new HashMap<>();
    polls.forEach(x -> byTask.computeIfAbsent(x.taskId(), k -> new ArrayList<>()).add(x.at()));
    long under = 0;
    for (List<Instant> times : byTask.values()) {
      Collections.sort(times);
      for (int i = 1; i < times.size(); i++) {
        if (Duration.between(times.get(i - 1), times.get(i)).compareTo(floor) < 0) {
          under++;
        }
      }
    }
    return under;
  }

  /** Rows for the run's summary table. */
  void rows(BiConsumer<String, Object> row) {
    row.accept(
        "create calls",
        createCalls + " (429: " + createCalls429 + ", 503: " + createCalls503 + ")");
    row.accept(
        "max create calls per id", maxCreateCalls + " (refusals excluded: " + maxCounted() + ")");
    row.accept("ids with 2+ tasks", tasksCreatedTwice.size() + " " + tasksCreatedTwice);
    row.accept("max tasks per id", maxTasksPerRequest);
    row.accept("polls / lists / cancels", polls + " / " + lists + " / " + cancels);
    row.accept("polls answered 503", polls503);
    row.accept("max query calls per 1 s", maxQueriesPerSecond + " (budget " + queryBudget + ")");
    row.accept("min poll gap", minPollGap.map(d -> d.toMillis() + " ms").orElse("none"));
    row.accept("poll gaps under 3 s", pollGapsUnderFloor);
    row.accept("query calls answered 429", throttledQueries);
  }

  private long maxCounted() {
    return requestsCreatedTwice.values().stream().mapToLong(Long::longValue).max().orElse(1);
  }

  /** The proof for submissions and the provider's limits. */
  void assertInto(SoftAssertions softly) {
    softly
        .assertThat(requestsCreatedTwice)
        .as(
            "request_ids whose create call reached the simulator more than once (429 and"
                + " task-less 503 answers excluded); raw maxSubmissionsPerRequestId=%d",
            maxCreateCalls)
        .isEmpty();
    softly
        .assertThat(tasksCreatedTwice)
        .as("request_ids whose create calls made more than one task at the simulator")
        .isEmpty();
    softly.assertThat(maxTasksPerRequest).as("tasks created for one request_id").isLessThan(2);
    softly
        .assertThat(createCalls503)
        .as("create calls answered 503: the outage was felt")
        .isPositive();
    maxQueriesPerSecond.forEach(
        (account, max) ->
            softly
                .assertThat(max)
                .as(
                    "most query+list+cancel calls of account %s within one second (budget %d)",
                    account, queryBudget)
                .isLessThanOrEqualTo(queryBudget));
    softly
        .assertThat(pollGapsUnderFloor)
        .as(
            "polls of a task under %d s after its previous poll (shortest %s)",
            MIN_POLL_GAP.toSeconds(), minPollGap.map(Duration::toString).orElse("none"))
        .isZero();
    softly
        .assertThat(throttledQueries)
        .as("query, list and cancel calls the simulator's rate limiter answered 429")
        .isZero();
  }
}
