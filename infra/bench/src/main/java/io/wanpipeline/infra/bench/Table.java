package io.wanpipeline.infra.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A benchmark's result table, printed as aligned text or as Markdown. */
final class Table {
  private final String title;
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  Table(String title, String... headers) {
    this.title = title;
    this.headers = List.of(headers);
  }

  Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(
          "expected " + headers.size() + " cells, got " + Arrays.toString(cells));
    }
    rows.add(Arrays.stream(cells).map(String::valueOf).toList());
    return this;
  }

  /** A line printed under the table. */
  Table note(String note) {
    notes.add(note);
    return this;
  }

  String text() {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    StringBuilder b = new StringBuilder(title).append('\n');
    line(b, headers, width);
    StringBuilder rule = new StringBuilder();
    for (int w : width) {
      rule.append("-".repeat(w)).append("  ");
    }
    b.append(rule.toString().stripTrailing()).append('\n');
    rows.forEach(r -> line(b, r, width));
    notes.forEach(n -> b.append("  ").append(n).append('\n'));
    return b.toString();
  }

  String markdown() {
    StringBuilder b = new StringBuilder("#### ").append(title).append("\n\n");
    b.append("| ").append(String.join(" | ", headers)).append(" |\n");
    b.append("|").append("---|".repeat(headers.size())).append('\n');
    rows.forEach(
        r ->
            b.append("| ")
                .append(String.join(" | ", r.stream().map(Table::cell).toList()))
                .append(" |\n"));
    if (!notes.isEmpty()) {
      b.append('\n');
      notes.forEach(n -> b.append("- ").append(n).append('\n'));
    }
    return b.append('\n').toString();
  }

  /** A Markdown table cell: a {@code |} inside it would end the cell. */
  private static String cell(String text) {
    return text.replace("|", "\\|");
  }

  private static void line(StringBuilder b, List<String> cells, int[] width) {
    StringBuilder l = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      l.append(c).append(" ".repeat(width[i] - c.length() + 2));
    }
    b.append(l.toString().stripTrailing()).append('\n');
  }

  /** The {@code q}-quantile (0..1) of {@code values}, nearest rank; NaN when empty. */
  static double quantile(List<? extends Number> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** Milliseconds as seconds with one decimal, or "-" for NaN. */
  static String seconds(double millis) {
    return Double.isNaN(millis) ? "-" : String.format("%.1f s", millis / 1000);
  }

  static String mib(double bytes) {
    return Double.isNaN(bytes) ? "-" : String.format("%.0f MiB", bytes / (1024 * 1024));
  }

  static String percent(double share) {
    return Double.isNaN(share) ? "-" : String.format("%.1f%%", share * 100);
  }
}
