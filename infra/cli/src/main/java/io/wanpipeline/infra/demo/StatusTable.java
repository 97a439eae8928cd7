package io.wanpipeline.infra.demo;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Renders the demo's live table: one row per request with its latest state. */
final class StatusTable {
  private static final String FORMAT = "%-22s %-20s %-15s %-38s %s%n";
  private final List<VideoRequest> requests;
  private final Map<String, String> printed = new HashMap<>();

  StatusTable(List<VideoRequest> requests) {
    this.requests = List.copyOf(requests);
  }

  synchronized void render(PipelineWatcher watcher, PrintStream out, boolean redraw) {
    if (redraw) {
      out.print("\033[H\033[2J");
      out.printf(FORMAT, "REQUEST", "MODEL", "STATE", "TASK", "DETAIL");
      for (VideoRequest r : requests) {
        TaskStatus s = watcher.latest(r.getRequestId());
        out.printf(
            FORMAT,
            r.getRequestId(),
            r.getModel(),
            s == null ? "(queued)" : s.getState(),
            s == null || s.getTaskId() == null ? "" : s.getTaskId(),
            s == null ? "" : detail(s));
      }
      out.flush();
      return;
    }
    if (printed.isEmpty()) {
      out.printf(FORMAT, "REQUEST", "MODEL", "STATE", "TASK", "DETAIL");
    }
    for (VideoRequest r : requests) {
      TaskStatus s = watcher.latest(r.getRequestId());
      String state = s == null ? "(queued)" : s.getState().toString();
      if (!state.equals(printed.put(r.getRequestId(), state))) {
        out.printf(
            FORMAT,
            r.getRequestId(),
            r.getModel(),
            state,
            s == null || s.getTaskId() == null ? "" : s.getTaskId(),
            s == null ? "" : detail(s));
      }
    }
    out.flush();
  }

  static String detail(TaskStatus s) {
    if (s.getError() != null) {
      return s.getError().getCode() + ": " + s.getError().getMessage();
    }
    if (s.getArchive() != null) {
      return s.getArchive().getUri();
    }
    if (s.getUsage() != null) {
      return s.getUsage().getVideoDurationMillis() / 1000.0 + " s " + s.getUsage().getTier();
    }
    return "";
  }
}
