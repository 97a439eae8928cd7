package io.wanpipeline.infra.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.OperatingSystemMXBean;
import io.wanpipeline.poller.PollerMain;
import io.wanpipeline.poller.PollerService;
import io.wanpipeline.runtime.service.ServiceRunner;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The poller as {@link PollerMain} runs it, plus a line {@value #PREFIX} on standard output every
 * second with the JVM's own figures (heap used after the last collection, process CPU time, live
 * threads) and the Streams state, which the capacity benchmark reads from the child's log.
 */
public final class PollerBenchChild {
  /** Start of every statistics line. */
  static final String PREFIX = "bench-stats";

  private PollerBenchChild() {}

  /** {@code PollerBenchChild <config.properties>}. */
  public static void main(String[] args) throws InterruptedException {
    AtomicReference<PollerService> service = new AtomicReference<>();
    AtomicLong afterGc = new AtomicLong(-1);
    AtomicLong collections = new AtomicLong();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc)
          .addNotificationListener(
              (n, handback) -> {
                if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    n.getType())) {
                  GarbageCollectionNotificationInfo info =
                      GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                  long used = 0;
                  for (Map.Entry<String, MemoryUsage> e :
                      info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (!isNonHeap(e.getKey())) {
                      used += e.getValue().getUsed();
                    }
                  }
                  afterGc.set(used);
                  collections.incrementAndGet();
                }
              },
              null,
              null);
    }
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ScheduledExecutorService reporter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-stats");
              t.setDaemon(true);
              return t;
            });
    reporter.scheduleAtFixedRate(
        () ->
            System.out.println(
                PREFIX
                    + " millis="
                    + System.currentTimeMillis()
                    + " heapAfterGc="
                    + afterGc.get()
                    + " gcs="
                    + collections.get()
                    + " heapUsed="
                    + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed()
                    + " cpuNanos="
                    + os.getProcessCpuTime()
                    + " "
                    + TrackingDelay.FIELD
                    + "="
                    + (service.get() == null
                        ? TrackingDelay.NONE.format()
                        : TrackingDelay.of(service.get().meters()).format())
                    + " threads="
                    + ManagementFactory.getThreadMXBean().getThreadCount()
                    + " state="
                    + (service.get() == null ? null : service.get().state())),
        1,
        1,
        TimeUnit.SECONDS);
    ServiceRunner.run(
        "poller",
        args,
        (settings, clock) -> {
          PollerService poller = PollerMain.create(settings, clock);
          service.set(poller);
          return poller;
        });
  }

  private static boolean isNonHeap(String pool) {
    return pool.contains("Metaspace") || pool.contains("Code") || pool.contains("Compressed");
  }
}
