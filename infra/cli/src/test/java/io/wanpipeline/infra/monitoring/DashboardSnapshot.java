package io.wanpipeline.infra.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws the Grafana dashboard's panels as an SVG from a Prometheus: each panel's own queries over a
 * time range (Grafana's variables given Prometheus values), one line per series, in the dashboard's
 * order and rows. For the README's picture (MonitoringIT writes it from its real scrape); Grafana
 * itself does not run on our build machines.
 */
final class DashboardSnapshot {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] COLORS = {
    "#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1", "#ba43a9", "#705da0"
  };
  private static final int COLUMNS = 3;
  private static final int PANEL_W = 420;
  private static final int PANEL_H = 210;
  private static final int ROW_TITLE_H = 28;
  private static final int GAP = 10;

  private final HttpClient http = HttpClient.newHttpClient();
  private final URI prometheus;

  DashboardSnapshot(URI prometheus) {
    this.prometheus = prometheus;
  }

  /** Writes the SVG of {@code dashboard} over {@code from} to {@code to} to {@code out}. */
  void write(Path dashboard, Instant from, Instant to, Path out) throws Exception {
    JsonNode d = JSON.readTree(dashboard.toFile());
    StringBuilder body = new StringBuilder();
    int y = 40;
    int column = 0;
    for (JsonNode panel : d.path("panels")) {
      if (panel.path("type").asText().equals("row")) {
        if (column > 0) {
          y += PANEL_H + GAP;
          column = 0;
        }
        body.append(text(GAP, y + 18, panel.path("title").asText(), 15, "#d8d9da", "bold"));
        y += ROW_TITLE_H;
        continue;
      }
      int x = GAP + column * (PANEL_W + GAP);
      body.append(panel(panel, x, y, from, to));
      column++;
      if (column == COLUMNS) {
        column = 0;
        y += PANEL_H + GAP;
      }
    }
    if (column > 0) {
      y += PANEL_H + GAP;
    }
    int width = GAP + COLUMNS * (PANEL_W + GAP);
    String svg =
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
            + width
            + "\" height=\""
            + y
            + "\" font-family=\"Helvetica, Arial, sans-serif\">"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#111217\"/>"
            + text(GAP, 26, d.path("title").asText() + "  " + span(from, to), 18, "#ffffff", "bold")
            + body
            + "</svg>\n";
    Files.createDirectories(out.getParent());
    Files.writeString(out, svg);
  }

  private String panel(JsonNode panel, int x, int y, Instant from, Instant to) throws Exception {
    List<Series> series = new ArrayList<>();
    for (JsonNode target : panel.path("targets")) {
      series.addAll(
          range(
              MonitoringFiles.forPrometheus(target.path("expr").asText()),
              target.path("legendFormat").asText(),
              from,
              to));
    }
    double max = 0;
    for (Series s : series) {
      for (double v : s.values) {
        if (Double.isFinite(v)) {
          max = Math.max(max, v);
        }
      }
    }
    max = max == 0 ? 1 : max * 1.1;
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#181b1f\" stroke=\"#2c3235\"/>",
            x,
            y,
            PANEL_W,
            PANEL_H));
    sb.append(text(x + 8, y + 18, panel.path("title").asText(), 13, "#d8d9da", "normal"));
    int plotX = x + 48;
    int plotY = y + 28;
    int plotW = PANEL_W - 58;
    int plotH = PANEL_H - 80;
    for (int i = 0; i <= 2; i++) {
      int gy = plotY + plotH - i * plotH / 2;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#2c3235\"/>",
              plotX,
              gy,
              plotX + plotW,
              gy));
      sb.append(text(x + 4, gy + 4, shortNumber(max * i / 2), 10, "#8e8e8e", "normal"));
    }
    long span = Math.max(1, to.getEpochSecond() - from.getEpochSecond());
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      StringBuilder points = new StringBuilder();
      for (int j = 0; j < s.values.size(); j++) {
        double v = s.values.get(j);
        if (!Double.isFinite(v)) {
          continue;
        }
        double px = plotX + plotW * (double) (s.times.get(j) - from.getEpochSecond()) / span;
        double py = plotY + plotH - plotH * v / max;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      }
      String color = COLORS[i % COLORS.length];
      sb.append("<polyline fill=\"none\" stroke=\"")
          .append(color)
          .append("\" stroke-width=\"1.5\" points=\"")
          .append(points)
          .append("\"/>");
    }
    int legendY = plotY + plotH + 16;
    int shown = Math.min(series.size(), 4);
    for (int i = 0; i < shown; i++) {
      int lx = x + 8 + (i % 2) * (PANEL_W / 2);
      int ly = legendY + (i / 2) * 14;
      sb.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"3\" fill=\"%s\"/>",
              lx,
              ly - 4,
              COLORS[i % COLORS.length]));
      sb.append(text(lx + 14, ly, cut(series.get(i).name, 34), 10, "#c7d0d9", "normal"));
    }
    if (series.size() > shown) {
      sb.append(
          text(
              x + PANEL_W - 70,
              legendY + 28,
              "+" + (series.size() - shown) + " more",
              10,
              "#8e8e8e",
              "normal"));
    }
    if (series.isEmpty()) {
      sb.append(
          text(plotX + plotW / 2 - 20, plotY + plotH / 2, "no data", 12, "#8e8e8e", "normal"));
    }
    return sb.toString();
  }

  private record Series(String name, List<Long> times, List<Double> values) {}

  private List<Series> range(String promql, String legend, Instant from, Instant to)
      throws IOException, InterruptedException {
    long step = Math.max(1, (to.getEpochSecond() - from.getEpochSecond()) / 120);
    URI uri =
        prometheus.resolve(
            "/api/v1/query_range?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&start="
                + from.getEpochSecond()
                + "&end="
                + to.getEpochSecond()
                + "&step="
                + step);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    List<Series> out = new ArrayList<>();
    for (JsonNode result : JSON.readTree(r.body()).path("data").path("result")) {
      List<Long> times = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (JsonNode point : result.path("values")) {
        times.add(point.get(0).asLong());
        values.add(parse(point.get(1).asText()));
      }
      out.add(new Series(legend(legend, result.path("metric")), times, values));
    }
    return out;
  }

  private static String legend(String format, JsonNode labels) {
    String name = format;
    for (var f : labels.properties()) {
      name = name.replace("{{" + f.getKey() + "}}", f.getValue().asText());
    }
    return name.replaceAll("\\{\\{[^}]*}}", "").trim();
  }

  private static double parse(String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static String span(Instant from, Instant to) {
    DateTimeFormatter f =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    return f.format(from) + " to " + f.format(to).substring(11) + " UTC";
  }

  private static String shortNumber(double v) {
    if (v >= 1e9) {
      return String.format(Locale.ROOT, "%.1fG", v / 1e9);
    }
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.1fM", v / 1e6);
    }
    if (v >= 1e3) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    return String.format(Locale.ROOT, v >= 10 ? "%.0f" : "%.2f", v);
  }

  private static String cut(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  private static String text(int x, int y, String s, int size, String color, String weight) {
    String escaped = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    return String.format(
        Locale.ROOT,
        "<text x=\"%d\" y=\"%d\" font-size=\"%d\" fill=\"%s\" font-weight=\"%s\">%s</text>",
        x,
        y,
        size,
        color,
        weight,
        escaped);
  }
}
