package io.wanpipeline.wan.dashscope;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Optional;

/**
 * DashScope's wall-clock formats: task times are {@code yyyy-MM-dd HH:mm:ss.SSS} and list filters
 * {@code yyyyMMddHHmmss}, both in China time (UTC+8) without a zone designator.
 */
public final class ChinaTime {

  /** The offset every DashScope wall-clock time is written in. */
  public static final ZoneOffset OFFSET = ZoneOffset.ofHours(8);

  private static final DateTimeFormatter TASK_TIME_OUT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

  /** Accepts 0 to 9 fraction digits and a {@code T} or a space between date and time. */
  private static final DateTimeFormatter TASK_TIME_IN =
      new DateTimeFormatterBuilder()
          .appendPattern("yyyy-MM-dd")
          .optionalStart()
          .appendLiteral(' ')
          .optionalEnd()
          .optionalStart()
          .appendLiteral('T')
          .optionalEnd()
          .appendPattern("HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .optionalEnd()
          .toFormatter();

  private static final DateTimeFormatter LIST_FILTER =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  private ChinaTime() {}

  /**
   * Parses a task time such as {@code 2025-10-11 18:55:56.952}; empty when absent or unreadable.
   */
  public static Optional<Instant> parseTaskTime(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDateTime.parse(text.trim(), TASK_TIME_IN).toInstant(OFFSET));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  /** Formats an instant the way task responses carry it. */
  public static String formatTaskTime(Instant instant) {
    return TASK_TIME_OUT.format(instant.atOffset(OFFSET));
  }

  /** Formats an instant as a list filter ({@code start_time}, {@code end_time}). */
  public static String formatListFilter(Instant instant) {
    return LIST_FILTER.format(instant.atOffset(OFFSET));
  }

  /** Parses a list filter such as {@code 20230420193058}; empty when unreadable. */
  public static Optional<Instant> parseListFilter(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(LocalDateTime.parse(text.trim(), LIST_FILTER).toInstant(OFFSET));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }
}
