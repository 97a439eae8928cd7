package io.wanpipeline.poller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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

  /**
   * Width of a bucket of due times. Every answer re-indexes its task: a tree of all the tasks made
   * each of those a dozen comparisons through memory (an eighth of the poller's stream thread at
   * 50k tasks); a hash set per 100 ms, under a tree of the few hundred buckets, costs far less.
   */
  private static final long BUCKET_MILLIS = 100;

  private final TreeMap<Long, Set<Entry>> buckets = new TreeMap<>();
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
      unbucket(old);
      perAccount.merge(old.account(), -1, (a, b) -> a + b == 0 ? null : a + b);
    }
    // One String per account name, whatever the number of tasks.
    String shared = accounts.computeIfAbsent(account, a -> a);
    Entry e = new Entry(at, requestId, shared);
    buckets.computeIfAbsent(bucket(at), b -> new HashSet<>()).add(e);
    byRequest.put(requestId, e);
    perAccount.merge(shared, 1, Integer::sum);
  }

  /** Forgets {@code requestId}. */
  void remove(String requestId) {
    Entry old = byRequest.remove(requestId);
    if (old != null) {
      unbucket(old);
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
    for (Set<Entry> bucket : buckets.headMap(bucket(nowMillis), true).values()) {
      int from = due.size();
      for (Entry e : bucket) {
        if (e.at() <= nowMillis) {
          due.add(e);
        }
      }
      due.subList(from, due.size()).sort(null);
    }
    return due;
  }

  private static long bucket(long at) {
    return Math.floorDiv(at, BUCKET_MILLIS);
  }

  private void unbucket(Entry e) {
    Long b = bucket(e.at());
    Set<Entry> bucket = buckets.get(b);
    if (bucket != null && bucket.remove(e) && bucket.isEmpty()) {
      buckets.remove(b);
    }
  }

  /** Indexed tasks. */
  int size() {
    return byRequest.size();
  }

  /** Forgets everything. */
  void clear() {
    buckets.clear();
    byRequest.clear();
    perAccount.clear();
  }
}
