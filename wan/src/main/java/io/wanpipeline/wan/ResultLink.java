package io.wanpipeline.wan;

import java.net.URI;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Optional;

/**
 * A signed, expiring result link (OSS V1 query signature). Its query string is a secret: {@link
 * #toString()} and {@link #redacted()} drop it.
 */
public final class ResultLink {
  private final URI uri;

  private ResultLink(URI uri) {
    this.uri = uri;
  }

  /**
   * Wraps a link exactly as the provider sent it; the query string is kept byte for byte.
   *
   * @throws IllegalArgumentException unless {@code url} is an absolute {@code http} or {@code
   *     https} link with an authority: anything else cannot be a download link, and its scheme,
   *     which {@link #redacted()} keeps, could be any text of the answer (found by fuzzing: an API
   *     key glued before {@code tps://} became the "scheme" and reached the status event)
   */
  public static ResultLink of(String url) {
    URI uri = URI.create(url);
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
        || uri.getRawAuthority() == null) {
      throw new IllegalArgumentException("a result link must be an absolute http(s) URL");
    }
    return new ResultLink(uri);
  }

  /** The full signed link, to be used only for the download itself. */
  public URI uri() {
    return uri;
  }

  /**
   * {@code scheme://host[:port]/path}: without the signed query string, the fragment and any
   * userinfo ({@code user:password@}); safe to log and to put in events.
   */
  public String redacted() {
    return redacted(uri);
  }

  /**
   * {@code uri} as {@link #redacted()} shows a link: for callers that judge links of any scheme
   * (the archiver's link policy names the refused link, {@code file:} and {@code ftp:} included).
   */
  public static String redacted(URI uri) {
    String host = uri.getHost();
    String authority;
    if (host != null) {
      authority = uri.getPort() >= 0 ? host + ":" + uri.getPort() : host;
    } else {
      // A registry-based authority the URI parser could not split: keep what follows the last @.
      String raw = uri.getRawAuthority();
      authority = raw == null ? "" : raw.substring(raw.lastIndexOf('@') + 1);
    }
    String s = uri.getScheme() + "://" + authority;
    return uri.getRawPath() == null ? s : s + uri.getRawPath();
  }

  /** The {@code Expires} query parameter (epoch seconds), when present and a possible instant. */
  public Optional<Instant> expiresAt() {
    String q = uri.getRawQuery();
    if (q == null) {
      return Optional.empty();
    }
    for (String part : q.split("&")) {
      if (part.startsWith("Expires=")) {
        try {
          // in epoch milliseconds too, as events carry it (timestamp-millis); else unknown
          long seconds = Long.parseLong(part.substring(8));
          return Optional.of(Instant.ofEpochMilli(Math.multiplyExact(seconds, 1000L)));
        } catch (NumberFormatException | DateTimeException | ArithmeticException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResultLink other && other.uri.equals(uri);
  }

  @Override
  public int hashCode() {
    return uri.hashCode();
  }

  @Override
  public String toString() {
    return redacted();
  }
}
