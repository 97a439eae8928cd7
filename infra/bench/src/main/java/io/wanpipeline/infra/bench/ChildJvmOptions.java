package io.wanpipeline.infra.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options of a benchmark's child service: the benchmark's fixed ones, plus whatever an
 * environment variable adds (space-separated, {@code {dir}} replaced by the child's scratch
 * directory), so that the service alone can be profiled, e.g. {@code
 * WAN_BENCH_ARCHIVER_JVM_OPTIONS=-XX:StartFlightRecording=filename={dir}/archiver.jfr}.
 */
final class ChildJvmOptions {
  private ChildJvmOptions() {}

  /** {@code fixed}, then the options of {@code variable} in the environment, if any. */
  static List<String> of(List<String> fixed, String variable, Path dir) {
    List<String> options = new ArrayList<>(fixed);
    String extra = System.getenv(variable);
    if (extra != null && !extra.isBlank()) {
      for (String option : extra.trim().split("\\s+")) {
        options.add(option.replace("{dir}", dir.toString()));
      }
    }
    return options;
  }
}
