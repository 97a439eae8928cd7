package io.wanpipeline.status;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.internal.RequestLifecycle;
import io.wanpipeline.status.http.StatusQueries;
import io.wanpipeline.status.view.IndexKeys;
import io.wanpipeline.status.view.Lifecycles;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The status view's stores as the HTTP API asks them ({@link StatusQueries}): this instance's
 * requests, index, charges and totals, and where the other instances are.
 */
final class StatusStores implements StatusQueries {
  private final KafkaStreams streams;
  private final String statusTopic;
  private final URI self;

  /**
   * @param streams the running view
   * @param statusTopic the name of {@code task-status}, whose partitions the stores follow
   * @param self this instance's advertised URL
   */
  StatusStores(KafkaStreams streams, String statusTopic, URI self) {
    this.streams = streams;
    this.statusTopic = statusTopic;
    this.self = self;
  }

  private ReadOnlyKeyValueStore<String, RequestLifecycle> requests() {
    return streams.store(
        StoreQueryParameters.fromNameAndType(
            StatusTopology.REQUESTS_STORE, QueryableStoreTypes.keyValueStore()));
  }

  private ReadOnlyKeyValueStore<String, String> index() {
    return streams.store(
        StoreQueryParameters.fromNameAndType(
            StatusTopology.INDEX_STORE, QueryableStoreTypes.keyValueStore()));
  }

  @Override
  public Optional<RequestLifecycle> localRequest(String requestId) {
    return Optional.ofNullable(requests().get(requestId));
  }

  @Override
  public URI owner(String requestId) {
    KeyQueryMetadata where =
        streams.queryMetadataForKey(
            StatusTopology.REQUESTS_STORE, requestId, Serdes.String().serializer());
    if (where == null || where.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new InvalidStateStoreException("no instance holds request " + requestId + " now");
    }
    return uri(where.activeHost());
  }

  @Override
  public List<RequestLifecycle> localRequests(Selection selection, int limit) {
    String prefix =
        selection.batch() != null
            ? IndexKeys.batch(selection.batch())
            : selection.account() != null
                ? IndexKeys.account(selection.account())
                : IndexKeys.IN_FLIGHT;
    ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
    List<RequestLifecycle> found = new ArrayList<>();
    try (KeyValueIterator<String, String> it = index().prefixScan(prefix, new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, String> entry = it.next();
        RequestLifecycle lifecycle = requests.get(IndexKeys.requestId(entry.key));
        if (lifecycle != null && matches(lifecycle, selection)) {
          found.add(lifecycle);
        }
      }
    }
    found.sort(
        Comparator.comparing((RequestLifecycle l) -> l.getLatest().getEventTime()).reversed());
    return found.size() > limit ? found.subList(0, limit) : found;
  }

  private boolean matches(RequestLifecycle lifecycle, Selection selection) {
    return (selection.account() == null
            || selection.account().equals(lifecycle.getLatest().getAccountId()))
        && (selection.batch() == null
            || selection.batch().equals(Lifecycles.batch(lifecycle.getLatest()).orElse(null)))
        && (!selection.inFlight() || Lifecycles.inFlight(lifecycle));
  }

  @Override
  public Optional<Charge> localCharge(String requestId) {
    ReadOnlyKeyValueStore<String, Charge> charges =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                StatusTopology.CHARGES_STORE, QueryableStoreTypes.keyValueStore()));
    return Optional.ofNullable(charges.get(requestId));
  }

  @Override
  public List<RequestLifecycle> localBatchPage(String batchId, String after, int limit) {
    String prefix = IndexKeys.batch(batchId);
    // Index keys of one batch sort by request_id; '|' (0x7C) sorts after every id character,
    // so prefix + '|' is past the batch's last key. The store of an instance is one store per
    // partition, each iterated in turn: the ids are gathered and sorted before the page is cut.
    String from = after == null ? prefix : prefix + after + "\0";
    List<String> ids = new ArrayList<>();
    try (KeyValueIterator<String, String> it = index().range(from, prefix + "|")) {
      while (it.hasNext()) {
        ids.add(IndexKeys.requestId(it.next().key));
      }
    }
    Collections.sort(ids);
    ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
    List<RequestLifecycle> page = new ArrayList<>();
    for (String id : ids) {
      if (page.size() == limit) {
        break;
      }
      RequestLifecycle lifecycle = requests.get(id);
      if (lifecycle != null) {
        page.add(lifecycle);
      }
    }
    return page;
  }

  @Override
  public Map<String, Map<String, Long>> localBatches() {
    Map<String, Map<String, Long>> batches = new TreeMap<>();
    try (KeyValueIterator<String, String> it =
        index().prefixScan(IndexKeys.BATCHES, new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, String> entry = it.next();
        batches
            .computeIfAbsent(IndexKeys.batchId(entry.key), b -> new TreeMap<>())
            .merge(entry.value, 1L, Long::sum);
      }
    }
    return batches;
  }

  @Override
  public Map<String, Long> localBatchCounts(String batchId) {
    Map<String, Long> counts = new TreeMap<>();
    try (KeyValueIterator<String, String> it =
        index().prefixScan(IndexKeys.batch(batchId), new StringSerializer())) {
      while (it.hasNext()) {
        counts.merge(it.next().value, 1L, Long::sum);
      }
    }
    return counts;
  }

  @Override
  public InFlight localInFlight(int limit) {
    ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
    Map<String, Long> counts = new TreeMap<>();
    PriorityQueue<RequestLifecycle> newestOnTop =
        new PriorityQueue<>(Comparator.comparing(Lifecycles::since).reversed());
    try (KeyValueIterator<String, String> it =
        index().prefixScan(IndexKeys.IN_FLIGHT, new StringSerializer())) {
      while (it.hasNext()) {
        RequestLifecycle lifecycle = requests.get(IndexKeys.requestId(it.next().key));
        if (lifecycle == null) {
          continue;
        }
        counts.merge(lifecycle.getLatest().getState().name(), 1L, Long::sum);
        newestOnTop.add(lifecycle);
        if (newestOnTop.size() > limit) {
          newestOnTop.poll();
        }
      }
    }
    List<RequestLifecycle> oldest = new ArrayList<>(newestOnTop);
    oldest.sort(Comparator.comparing(Lifecycles::since));
    return new InFlight(counts, oldest);
  }

  @Override
  public List<RequestLifecycle> localFailures(int limit) {
    return newest(IndexKeys.FAILED, limit);
  }

  @Override
  public List<RequestLifecycle> localRecent(int limit) {
    return newest(IndexKeys.RECENT, limit);
  }

  /**
   * The requests of the newest-first index entries under {@code prefix}: the first {@code limit} of
   * each partition this instance holds (each partition's store sorts them), merged.
   */
  private List<RequestLifecycle> newest(String prefix, int limit) {
    ReadOnlyKeyValueStore<String, RequestLifecycle> requests = requests();
    List<RequestLifecycle> found = new ArrayList<>();
    for (int partition : localPartitions()) {
      ReadOnlyKeyValueStore<String, String> index =
          streams.store(
              StoreQueryParameters.fromNameAndType(
                      StatusTopology.INDEX_STORE,
                      QueryableStoreTypes.<String, String>keyValueStore())
                  .withPartition(partition));
      try (KeyValueIterator<String, String> it = index.prefixScan(prefix, new StringSerializer())) {
        for (int n = 0; n < limit && it.hasNext(); n++) {
          RequestLifecycle lifecycle = requests.get(IndexKeys.requestId(it.next().key));
          if (lifecycle != null) {
            found.add(lifecycle);
          }
        }
      }
    }
    found.sort(
        Comparator.comparing((RequestLifecycle l) -> l.getLatest().getEventTime()).reversed());
    return found.size() > limit ? List.copyOf(found.subList(0, limit)) : found;
  }

  /** The task-status partitions whose stores this instance holds now (its active tasks). */
  private Set<Integer> localPartitions() {
    String topic = statusTopic;
    Set<Integer> partitions = new TreeSet<>();
    for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
      for (TaskMetadata task : thread.activeTasks()) {
        for (TopicPartition tp : task.topicPartitions()) {
          if (tp.topic().equals(topic)) {
            partitions.add(tp.partition());
          }
        }
      }
    }
    return partitions;
  }

  @Override
  public List<AccountTotal> localTotals(String day) {
    ReadOnlyKeyValueStore<String, AccountTotal> totals =
        streams.store(
            StoreQueryParameters.fromNameAndType(
                StatusTopology.TOTALS_STORE, QueryableStoreTypes.keyValueStore()));
    List<AccountTotal> out = new ArrayList<>();
    try (KeyValueIterator<String, AccountTotal> it =
        totals.prefixScan(day + "|", new StringSerializer())) {
      while (it.hasNext()) {
        out.add(it.next().value);
      }
    }
    return out;
  }

  @Override
  public List<URI> instances() {
    List<URI> out = new ArrayList<>();
    for (StreamsMetadata m : streams.streamsMetadataForStore(StatusTopology.REQUESTS_STORE)) {
      out.add(uri(m.hostInfo()));
    }
    if (out.isEmpty()) {
      throw new InvalidStateStoreException("no instance holds the requests store yet");
    }
    return out;
  }

  @Override
  public URI self() {
    return self;
  }

  private static URI uri(HostInfo host) {
    return URI.create("http://" + host.host() + ":" + host.port());
  }
}
