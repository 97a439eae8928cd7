package io.wanpipeline.infra.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Searches outputs for secrets: each canary is a distinctive secret value (a provider API key, the
 * S3 secret key, the simulator's OSS link key id) or a fragment that only a signed link's query
 * string carries ({@code Signature=}). Every place searched counts as scanned, so a search that
 * read nothing shows as zero places, not as zero hits.
 */
final class SecretCanary {
  private final Map<String, byte[]> canaries = new TreeMap<>();
  private final Map<String, Integer> hits = new TreeMap<>();
  private final List<String> where = new ArrayList<>();
  private int filesScanned;
  private long recordsScanned;
  private int topicsScanned;
  private int mbeansScanned;
  private int jvmsScanned;

  /**
   * @param canaries name to secret text, for example {@code provider key -> sk-...}
   */
  SecretCanary(Map<String, String> canaries) {
    canaries.forEach((k, v) -> this.canaries.put(k, v.getBytes(StandardCharsets.UTF_8)));
  }

  /** Hits by canary name (names without hits are absent). */
  Map<String, Integer> hits() {
    return new TreeMap<>(hits);
  }

  /** Where each hit was found, for example {@code submitter-a.log line 12: provider key}. */
  List<String> where() {
    return List.copyOf(where);
  }

  /** What was scanned, for the summary. */
  String scanned() {
    return filesScanned
        + " log files, "
        + recordsScanned
        + " records on "
        + topicsScanned
        + " topics, "
        + mbeansScanned
        + " MBeans of "
        + jvmsScanned
        + " JVMs";
  }

  int filesScanned() {
    return filesScanned;
  }

  long recordsScanned() {
    return recordsScanned;
  }

  int mbeansScanned() {
    return mbeansScanned;
  }

  /** Hits in one file's bytes, without recording them (for the positive control). */
  int count(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int n = 0;
    for (byte[] c : canaries.values()) {
      n += occurrences(bytes, c);
    }
    return n;
  }

  /** Scans every file under {@code dir} whose name ends with {@code .log}. */
  void scanLogs(Path dir) throws IOException {
    List<Path> logs;
    try (Stream<Path> files = Files.walk(dir)) {
      logs = files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    }
    for (Path log : logs) {
      filesScanned++;
      scan(dir.relativize(log).toString(), Files.readAllBytes(log));
    }
  }

  /**
   * Reads every record of every topic of the cluster (internal ones included, uncommitted and
   * aborted records included) and scans keys, values and headers as raw bytes.
   */
  void scanTopics(String bootstrapServers) throws Exception {
    Set<String> topics;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
    }
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    props.put(ConsumerConfig.EXCLUDE_INTERNAL_TOPICS_CONFIG, false);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      for (String topic : topics) {
        topicsScanned++;
        List<TopicPartition> partitions =
            consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        int idle = 0;
        while (!caughtUp(consumer, end) && idle < 50) {
          var records = consumer.poll(Duration.ofMillis(200));
          idle = records.isEmpty() ? idle + 1 : 0;
          for (ConsumerRecord<byte[], byte[]> r : records) {
            recordsScanned++;
            String place = topic + "-" + r.partition() + "@" + r.offset();
            scan(place + " key", r.key());
            scan(place + " value", r.value());
            for (Header h : r.headers()) {
              scan(place + " header " + h.key(), h.value());
            }
          }
        }
        if (!caughtUp(consumer, end)) {
          where.add(topic + ": not read to its end " + end);
        }
      }
    }
  }

  private static boolean caughtUp(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  /**
   * Attaches to a running JVM, starts its local management agent and scans the name and every
   * readable attribute of every MBean (Kafka client and Streams metrics, runtime properties).
   */
  void scanJmx(String name, long pid) throws Exception {
    com.sun.tools.attach.VirtualMachine vm =
        com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    jvmsScanned++;
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
      MBeanServerConnection mbeans = connector.getMBeanServerConnection();
      for (ObjectName object : mbeans.queryNames(null, null)) {
        mbeansScanned++;
        StringBuilder text = new StringBuilder(object.toString()).append('\n');
        for (MBeanAttributeInfo attribute : mbeans.getMBeanInfo(object).getAttributes()) {
          if (!attribute.isReadable()) {
            continue;
          }
          try {
            Object value = mbeans.getAttribute(object, attribute.getName());
            text.append(attribute.getName()).append('=').append(render(value)).append('\n');
          } catch (Exception | Error e) {
            // Unsupported or unserialisable attributes say nothing.
          }
        }
        scan(name + " JMX " + object, text.toString().getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static String render(Object value) {
    if (value instanceof Object[] array) {
      return Arrays.deepToString(array);
    }
    return String.valueOf(value);
  }

  private void scan(String place, byte[] bytes) {
    if (bytes == null) {
      return;
    }
    canaries.forEach(
        (name, secret) -> {
          int n = occurrences(bytes, secret);
          if (n > 0) {
            hits.merge(name, n, Integer::sum);
            if (where.size() < 50) {
              where.add(place + ": " + name + " x" + n);
            }
          }
        });
  }

  private static int occurrences(byte[] haystack, byte[] needle) {
    int n = 0;
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      n++;
    }
    return n;
  }
}
