package io.wanpipeline.poller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An in-memory index of tasks by the time they are next due ({@code next_poll_at}, or the deadline
 * when earlier), so that a punctuation costs O(due tasks), not O(tasks in flight). It holds small
 * entries (time, request_id, account), never the tasks: the store stays the source of truth and the
 * index is rebuilt from it when a processor starts. Not thread-safe (the stream thread owns it).
 */
final class DueIndex {
  /** One indexed task: due at {@code at} (epoch ms); {@code account} names its budget. */
  record Entry(long at, String requestId, String account) implements Comparable<Entry> {
    @Override
    public int compareTo(Entry o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : requestId.compareTo(o.requestId);
    }
  }

  private final TreeSet<Entry> byTime = new TreeSet<>();
  private final Map<String, Entry> byRequest = new HashMap<>();
  private final Map<String, String> accounts = new HashMap<>();
  private final Map<String, Integer> perAccount = new HashMap<>();

  /** Indexes (or re-indexes) {@code requestId} as due at {@code at}. */
  void put(String requestId, long at, String account) {
    Entry old = byRequest.get(requestId);
    if (old != null) {
      if (old.at() == at && old.account().equals(account)) {
        return;
      }
      byTime.remove(old);
      perAccount.merge(old.account(), -1, (a, b) -> a + b == 0 ? null : a + b);
    }
    // One String per account name, whatever the number of tasks.
    String shared = accounts.computeIfAbsent(account, a -> a);
    Entry e = new Entry(at, requestId, shared);
    byTime.add(e);
    byRequest.put(requestId, e);
    perAccount.merge(shared, 1, Integer::sum);
  }

  /** Forgets {@code requestId}. */
  void remove(String requestId) {
    Entry old = byRequest.remove(requestId);
    if (old != null) {
      byTime.remove(old);
      perAccount.merge(old.account(), -1, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  /** Indexed tasks by account. */
  Map<String, Integer> countsByAccount() {
    return Map.copyOf(perAccount);
  }

  /** True when {@code requestId} is indexed. */
  boolean contains(String requestId) {
    return byRequest.containsKey(requestId);
  }

  /** The entries due at {@code nowMillis} or earlier, earliest first. */
  List<Entry> dueAt(long nowMillis) {
    List<Entry> due = new ArrayList<>();
    for (Entry e : byTime) {
      if (e.at() > nowMillis) {
        break;
      }
      due.add(e);
    }
    return due;
  }

  /** Indexed tasks. */
  int size() {
    return byRequest.size();
  }

  /** Forgets everything. */
  void clear() {
    byTime.clear();
    byRequest.clear();
    perAccount.clear();
  }
}
