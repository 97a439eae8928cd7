package io.wanpipeline.wan.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Reads the timestamps gateways write: ISO-8601 instants ({@code 2025-01-15T10:30:00Z}, with or
 * without fraction or offset) or epoch numbers (seconds, or milliseconds when larger than any
 * plausible seconds value).
 */
public final class GatewayTime {

  /** Epoch values at or above this are milliseconds (year 5138 in seconds). */
  private static final long MILLIS_THRESHOLD = 100_000_000_000L;

  private GatewayTime() {}

  /** The instant in {@code node}; null when absent or unreadable. */
  public static Instant parse(JsonNode node) {
    if (node == null || node.isNull() || node.isContainerNode()) {
      return null;
    }
    if (node.isNumber()) {
      return epoch(node.decimalValue());
    }
    String text = node.asText().trim();
    if (text.isEmpty()) {
      return null;
    }
    if (text.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
      try {
        return epoch(new BigDecimal(text));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      try {
        return Instant.parse(text);
      } catch (DateTimeException e2) {
        return null;
      }
    }
  }

  private static Instant epoch(BigDecimal value) {
    if (value.signum() <= 0) {
      return null;
    }
    if (value.compareTo(BigDecimal.valueOf(MILLIS_THRESHOLD)) >= 0) {
      return Instant.ofEpochMilli(value.longValue());
    }
    return Instant.ofEpochMilli(value.movePointRight(3).longValue());
  }
}
