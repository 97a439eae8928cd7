package io.wanpipeline.poller;

import io.wanpipeline.events.internal.InFlightTask;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The tasks of one partition as its poll processor last saw them: the store's copy, decoded once
 * when the processor starts, or a newer one whose latest answers changed nothing but its poll
 * times, kept in memory only.
 *
 * <p>Reading the task from the store for each due poll cost a RocksDB read and an Avro decode per
 * poll, a quarter of the stream thread at 50,000 tasks (docs/benchmarks.md); every write goes to
 * the store and here alike, so the store is read only to fill this map when the processor starts.
 * Like the due index it is rebuilt whenever Kafka Streams initialises the processor, which it does
 * after every restore of the store, a rolled-back transaction's included (the task is closed dirty
 * and revived), so it never holds a change the store lost. The heap holds every tracked task once
 * (docs/configuration.md 4.1, "Tasks in memory").
 *
 * <p>Most answers are uneventful (the task still RUNNING, as at the last poll). Writing each one to
 * the store re-encoded the whole task, status event and metadata, and sent it to the store's
 * changelog inside the transaction, on every poll of every task. The store's copy of such a task
 * keeps the poll times of its last eventful answer, so after a restore (a restart, a replaced
 * stream thread, a partition taken over) the task is due at once: it is polled as soon as the
 * processor's first 3 s are over ({@link PollProcessor}'s rule for a restored store, which never
 * holds the latest polls anyway) and the account's budget allows, then on its cadence again.
 * Nothing else is lost: every change of state, every failed call and every UNKNOWN is written as
 * before.
 */
final class LatestTasks {
  private final Map<String, InFlightTask> byRequest = new HashMap<>();
  private KeyValueStore<String, InFlightTask> store;

  /**
   * Reads every task of {@code store}, handing each to {@code each}, and from now on keeps this map
   * in step with it.
   */
  void load(KeyValueStore<String, InFlightTask> store, BiConsumer<String, InFlightTask> each) {
    this.store = store;
    byRequest.clear();
    try (KeyValueIterator<String, InFlightTask> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, InFlightTask> kv = it.next();
        byRequest.put(kv.key, kv.value);
        each.accept(kv.key, kv.value);
      }
    }
  }

  /** The latest task of {@code requestId}, or null if none is tracked. */
  InFlightTask get(String requestId) {
    return byRequest.get(requestId);
  }

  /** Writes {@code task} to the store (and its changelog) and keeps it. */
  void save(String requestId, InFlightTask task) {
    store.put(requestId, task);
    byRequest.put(requestId, task);
  }

  /**
   * Keeps {@code task}, which differs from the one kept for {@code requestId} only in its poll
   * times, in memory: the store keeps the older copy.
   */
  void keepInMemory(String requestId, InFlightTask task) {
    byRequest.put(requestId, task);
  }

  /** Deletes the task of {@code requestId} from the store and from memory. */
  void delete(String requestId) {
    store.delete(requestId);
    byRequest.remove(requestId);
  }

  /** Forgets every task (the store is left as it is): the processor is closed. */
  void clear() {
    byRequest.clear();
    store = null;
  }
}
