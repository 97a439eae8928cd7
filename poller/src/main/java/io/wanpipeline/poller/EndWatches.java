package io.wanpipeline.poller;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The running tasks of one partition whose end the list sweeps look for: each from the start of its
 * expected end window ({@link RunTimeForecast}) until it is answered finished, so that a lane's
 * slot is freed about a second after the provider ends its task rather than at the next poll, 5-10
 * s after the last one.
 *
 * <p>Only tasks of a class with a forecast are watched, and only on accounts that offer the list
 * query and whose tracked tasks fit in one list page (a handful per lane in normal running): the
 * cost is one list call per (key, model) group per sweep interval while one of its tasks is within
 * its window, inside the account's query budget and after every due poll. An account in list mode
 * (many tasks) is swept anyway. A punctuation walks every watched task once: O(watched).
 *
 * <p>Not thread-safe: owned by one poll processor, on its stream thread.
 */
final class EndWatches {
  private final Map<String, Watch> watches = new HashMap<>();

  /** A task's group, submission time and the start of its expected end window. */
  private record Watch(ListGroup group, Instant submittedAt, Instant from) {}

  /**
   * Watches the end of the task of {@code requestId} in {@code group}, submitted at {@code
   * submittedAt}, from {@code from} on (replacing an earlier watch of it).
   */
  void watch(String requestId, ListGroup group, Instant submittedAt, Instant from) {
    watches.put(requestId, new Watch(group, submittedAt, Objects.requireNonNull(from, "from")));
  }

  /** Stops watching the task of {@code requestId}, if it was. */
  void drop(String requestId) {
    watches.remove(requestId);
  }

  void clear() {
    watches.clear();
  }

  int size() {
    return watches.size();
  }

  /**
   * Asks {@code sweeps} to look for the end of every watched task whose window has opened at {@code
   * now}, on accounts that pass {@code eligible} (asked once per account); returns the accounts
   * asked for, whose sweeps are then advanced.
   */
  Set<String> ask(Instant now, Predicate<String> eligible, ListSweeps sweeps) {
    if (watches.isEmpty()) {
      return Set.of();
    }
    Map<String, Boolean> allowed = new HashMap<>();
    Set<String> asked = new HashSet<>();
    for (Watch w : watches.values()) {
      String account = w.group().account();
      if (now.isBefore(w.from()) || !allowed.computeIfAbsent(account, eligible::test)) {
        continue;
      }
      sweeps.watchEnds(w.group(), w.submittedAt());
      asked.add(account);
    }
    return asked;
  }
}
