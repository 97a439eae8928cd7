package io.wanpipeline.infra.simulator;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The provider's clock faces: task times ({@code 2025-01-08 16:43:22.381}) and list filters ({@code
 * 20250108164322}), both in China Standard Time (UTC+8), as Model Studio's task query and list
 * references show them. The simulator's own reading of those pages, not the client's.
 */
final class ChinaTime {
  static final ZoneOffset OFFSET = ZoneOffset.ofHours(8);

  private static final DateTimeFormatter TASK_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
  private static final DateTimeFormatter LIST_FILTER =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

  private ChinaTime() {}

  /** An instant as a task answer carries it. */
  static String formatTaskTime(Instant instant) {
    return TASK_TIME.format(instant.atOffset(OFFSET));
  }

  /** A list filter such as {@code 20230420193058}; empty when unreadable. */
  static Optional<Instant> parseListFilter(String text) {
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
