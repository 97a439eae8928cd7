package io.wanpipeline.infra.bench;

import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether polls kept to the schedule within a window, from the simulator's ledger: a first poll is
 * on schedule at most {@code firstDelay + slack} after submission, a later one {@code minGap} to
 * {@code maxGap + slack} after the previous answered poll of the task; a task whose next poll is
 * overdue at the end of the window counts as one late poll.
 */
final class ScheduleCheck {
  static final Duration FIRST_DELAY = Duration.ofSeconds(5);
  static final Duration MIN_GAP = Duration.ofSeconds(5);
  static final Duration MAX_GAP = Duration.ofSeconds(10);

  private final Duration slack;

  ScheduleCheck(Duration slack) {
    this.slack = slack;
  }

  /**
   * What the window showed.
   *
   * @param polls answered polls in the window
   * @param onSchedule polls on schedule
   * @param late polls late, early or overdue
   * @param firstPolls first polls in the window
   * @param firstOnTime of which on schedule
   * @param firstP50Millis median delay of those first polls after submission
   * @param firstP99Millis 99th percentile of that delay
   * @param laterOnSchedule later polls in the window on schedule
   * @param laterLate later polls in the window late or early, and tasks polled before but overdue
   *     at the window's end
   * @param gapP50Millis median spacing of later polls
   * @param gapP99Millis 99th percentile of that spacing
   * @param overdue tasks overdue at the window's end
   * @param refused polls refused (not HTTP 200) in the window
   */
  record Result(
      long polls,
      long onSchedule,
      long late,
      long firstPolls,
      long firstOnTime,
      double firstP50Millis,
      double firstP99Millis,
      long laterOnSchedule,
      long laterLate,
      double gapP50Millis,
      double gapP99Millis,
      long overdue,
      long refused) {
    double share() {
      return onSchedule + late == 0 ? Double.NaN : (double) onSchedule / (onSchedule + late);
    }

    /**
     * The share of later polls on schedule: how well the tasks already tracked are kept, apart from
     * how fast the step's new tasks are taken up.
     */
    double laterShare() {
      return laterOnSchedule + laterLate == 0
          ? Double.NaN
          : (double) laterOnSchedule / (laterOnSchedule + laterLate);
    }
  }

  /**
   * Checks the window ({@code from}, {@code to}]; first polls are counted from {@code firstFrom}
   * (the start of the step, so that the first polls of the step's new tasks count).
   *
   * @param polls every poll so far, in arrival order
   * @param submitted submission time by task id of every task expected to be polled
   */
  Result check(
      List<SimulatorLedger.Poll> polls,
      Map<String, Instant> submitted,
      Instant firstFrom,
      Instant from,
      Instant to) {
    Map<String, Instant> last = new HashMap<>();
    long n = 0;
    long ok = 0;
    long late = 0;
    long first = 0;
    long firstOk = 0;
    long refused = 0;
    long laterOk = 0;
    long laterLate = 0;
    List<Long> gaps = new ArrayList<>();
    List<Long> firstDelays = new ArrayList<>();
    for (SimulatorLedger.Poll p : polls) {
      if (p.at().isAfter(to)) {
        break;
      }
      if (p.httpStatus() != 200) {
        if (p.at().isAfter(from)) {
          refused++;
        }
        continue;
      }
      Instant before = last.put(p.taskId(), p.at());
      if (before == null && p.at().isAfter(firstFrom)) {
        Instant sub = submitted.get(p.taskId());
        if (sub == null) {
          continue;
        }
        first++;
        firstDelays.add(Duration.between(sub, p.at()).toMillis());
        if (p.at().isAfter(from)) {
          n++;
        }
        if (!p.at().isAfter(sub.plus(FIRST_DELAY).plus(slack))) {
          firstOk++;
          ok++;
        } else {
          late++;
        }
        continue;
      }
      if (!p.at().isAfter(from)) {
        continue;
      }
      n++;
      if (before != null) {
        Duration gap = Duration.between(before, p.at());
        gaps.add(gap.toMillis());
        if (gap.compareTo(MIN_GAP) >= 0 && gap.compareTo(MAX_GAP.plus(slack)) <= 0) {
          ok++;
          laterOk++;
        } else {
          late++;
          laterLate++;
        }
      }
    }
    long overdue = 0;
    for (Map.Entry<String, Instant> e : submitted.entrySet()) {
      Instant polled = last.get(e.getKey());
      Instant dueBy =
          polled == null
              ? e.getValue().plus(FIRST_DELAY).plus(slack)
              : polled.plus(MAX_GAP).plus(slack);
      if (dueBy.isBefore(to)) {
        overdue++;
        if (polled != null) {
          laterLate++;
        }
      }
    }
    return new Result(
        n,
        ok,
        late + overdue,
        first,
        firstOk,
        Table.quantile(firstDelays, 0.5),
        Table.quantile(firstDelays, 0.99),
        laterOk,
        laterLate,
        Table.quantile(gaps, 0.5),
        Table.quantile(gaps, 0.99),
        overdue,
        refused);
  }
}
