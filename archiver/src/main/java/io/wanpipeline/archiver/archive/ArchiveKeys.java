package io.wanpipeline.archiver.archive;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The deterministic object key of a request's video: {@code
 * <prefix>/<account_id>/<yyyy>/<MM>/<dd>/<request_id>.mp4}, the date being the UTC day the task
 * completed. Account and request ids are percent-encoded outside {@code [A-Za-z0-9._-]} (and {@code
 * .}/{@code ..} segments are encoded too), so any id maps to one safe key and no two ids share a
 * key.
 */
public final class ArchiveKeys {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private ArchiveKeys() {}

  /** The object key. */
  public static String key(String prefix, String accountId, Instant completedAt, String requestId) {
    LocalDate day = completedAt.atOffset(ZoneOffset.UTC).toLocalDate();
    return prefix
        + "/"
        + encode(accountId)
        + "/"
        + String.format("%04d/%02d/%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth())
        + "/"
        + encode(requestId)
        + ".mp4";
  }

  /**
   * Percent-encodes {@code id} (UTF-8) outside {@code [A-Za-z0-9._-]}; a dot-only id is fully
   * encoded so it can never be a relative path segment.
   *
   * @throws IllegalArgumentException if {@code id} is null or empty
   */
  public static String encode(String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("an id in an object key must not be empty");
    }
    boolean dotsOnly = id.chars().allMatch(c -> c == '.');
    StringBuilder out = new StringBuilder(id.length() + 8);
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      boolean safe =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || (c == '.' && !dotsOnly);
      if (safe) {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    return out.toString();
  }
}
