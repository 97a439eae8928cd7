package io.wanpipeline.infra.simulator;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenario markers a client writes into {@code input.prompt} to steer one task, so that any client
 * (the official SDK included) can reach every path:
 *
 * <ul>
 *   <li>{@code [sim:fail]} or {@code [sim:fail=CODE]}: the task ends FAILED with that code (default
 *       {@code InternalError.Algo});
 *   <li>{@code [sim:never-finish]}: stays RUNNING (until retention makes it UNKNOWN);
 *   <li>{@code [sim:pending-forever]}: stays PENDING and takes no concurrency slot;
 *   <li>{@code [sim:seconds=10.23]}: the usage seconds reported on success;
 *   <li>{@code [sim:pending-ms=N]}, {@code [sim:run-ms=N]}: this task's timing;
 *   <li>{@code [sim:video-bytes=N]}: size of the served MP4 (padded, streamed, never held);
 *   <li>{@code [sim:submit=429|500|503|arrearage|reset|lost-reply]}: the create call itself fails
 *       ({@code arrearage}: 400 {@code Arrearage}, whose message ends in a help link); with {@code
 *       lost-reply} the task IS created but the answer is a 500.
 * </ul>
 *
 * <p>Markers are removed from the prompt before validation, and a prompt of markers only counts as
 * no prompt, so models that take none (s2v, animate) can be steered too.
 *
 * @param failCode FAILED code, or null
 * @param neverFinish stays RUNNING
 * @param pendingForever stays PENDING
 * @param seconds usage seconds override, or null
 * @param pendingTime PENDING time override, or null
 * @param runningTime RUNNING time override, or null
 * @param videoBytes served size override, or null
 * @param submitFault create-call fault, or null
 */
record ScenarioMarkers(
    String failCode,
    boolean neverFinish,
    boolean pendingForever,
    BigDecimal seconds,
    Duration pendingTime,
    Duration runningTime,
    Long videoBytes,
    String submitFault) {

  static final ScenarioMarkers NONE =
      new ScenarioMarkers(null, false, false, null, null, null, null, null);

  private static final Pattern MARKER = Pattern.compile("\\[sim:([a-z-]+)(?:=([^\\]]*))?]");

  /** The prompt without its markers; null when nothing else is left. */
  static String strip(String prompt) {
    if (prompt == null || !prompt.contains("[sim:")) {
      return prompt;
    }
    String rest = MARKER.matcher(prompt).replaceAll("").trim().replaceAll("\\s{2,}", " ");
    return rest.isEmpty() ? null : rest;
  }

  /** Reads the markers of {@code prompt}; unknown or unreadable markers are ignored. */
  static ScenarioMarkers parse(String prompt) {
    if (prompt == null || !prompt.contains("[sim:")) {
      return NONE;
    }
    String failCode = null;
    boolean neverFinish = false;
    boolean pendingForever = false;
    BigDecimal seconds = null;
    Duration pending = null;
    Duration running = null;
    Long videoBytes = null;
    String submitFault = null;
    Matcher m = MARKER.matcher(prompt);
    while (m.find()) {
      String name = m.group(1);
      String value = m.group(2) == null ? "" : m.group(2).trim();
      try {
        switch (name) {
          case "fail" -> failCode = value.isEmpty() ? "InternalError.Algo" : value;
          case "never-finish" -> neverFinish = true;
          case "pending-forever" -> pendingForever = true;
          case "seconds" -> seconds = new BigDecimal(value);
          case "pending-ms" -> pending = Duration.ofMillis(Long.parseLong(value));
          case "run-ms" -> running = Duration.ofMillis(Long.parseLong(value));
          case "video-bytes" -> videoBytes = Long.parseLong(value);
          case "submit" -> submitFault = value.isEmpty() ? null : value.toLowerCase(Locale.ROOT);
          default -> {
            // unknown marker: ignored like any other prompt text
          }
        }
      } catch (NumberFormatException | ArithmeticException e) {
        // unreadable value: ignored
      }
    }
    return new ScenarioMarkers(
        failCode, neverFinish, pendingForever, seconds, pending, running, videoBytes, submitFault);
  }
}
