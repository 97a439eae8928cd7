package io.wanpipeline.infra.bench;

import io.wanpipeline.archiver.ArchiverMain;
import io.wanpipeline.archiver.ArchiverService;
import io.wanpipeline.runtime.service.ServiceRunner;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

/**
 * The archiver as {@link ArchiverMain} runs it, plus a line {@value #PREFIX} on standard output
 * every 20 ms with its ARCHIVED and ARCHIVE_FAILED counts, the highest heap use sampled so far and
 * its collectors' collections and time and the JIT's compilation time, which the archiver benchmark
 * reads from the child's log.
 */
public final class ArchiverBenchChild {
  /** Start of every statistics line. */
  static final String PREFIX = "archiver-stats";

  private ArchiverBenchChild() {}

  /** {@code ArchiverBenchChild <config.properties>}. */
  public static void main(String[] args) throws InterruptedException {
    AtomicReference<ArchiverService> service = new AtomicReference<>();
    AtomicLong peak = new AtomicLong();
    ScheduledExecutorService reporter =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "archiver-stats");
              t.setDaemon(true);
              return t;
            });
    reporter.scheduleAtFixedRate(
        () -> {
          long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          peak.accumulateAndGet(used, Math::max);
          ArchiverService s = service.get();
          System.out.println(
              PREFIX
                  + " millis="
                  + System.currentTimeMillis()
                  + " heapPeak="
                  + peak.get()
                  + " running="
                  + (s != null && s.running())
                  + " archived="
                  + (s == null ? 0 : s.archivedCount())
                  + " failed="
                  + (s == null ? 0 : s.failedCount())
                  + " gcCount="
                  + collectors(GarbageCollectorMXBean::getCollectionCount)
                  + " gcMillis="
                  + collectors(GarbageCollectorMXBean::getCollectionTime)
                  + " jitMillis="
                  + ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
        },
        20,
        20,
        TimeUnit.MILLISECONDS);
    ServiceRunner.run(
        "archiver",
        args,
        (settings, clock) -> {
          ArchiverService archiver = ArchiverMain.create(settings, clock);
          service.set(archiver);
          return archiver;
        });
  }

  /** {@code counter} summed over the collectors that report it (-1 where undefined). */
  private static long collectors(ToLongFunction<GarbageCollectorMXBean> counter) {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(counter)
        .filter(n -> n > 0)
        .sum();
  }
}
