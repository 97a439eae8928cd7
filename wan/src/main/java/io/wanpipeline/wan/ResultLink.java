package io.wanpipeline.wan;

import java.net.URI;
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

  /** Wraps a link exactly as the provider sent it; the query string is kept byte for byte. */
  public static ResultLink of(String url) {
    return new ResultLink(URI.create(url));
  }

  /** The full signed link, to be used only for the download itself. */
  public URI uri() {
    return uri;
  }

  /** Scheme, host and path, without the signed query string; safe to log and to put in events. */
  public String redacted() {
    String s = uri.getScheme() + "://" + uri.getRawAuthority();
    return uri.getRawPath() == null ? s : s + uri.getRawPath();
  }

  /** The {@code Expires} query parameter (epoch seconds), when present. */
  public Optional<Instant> expiresAt() {
    String q = uri.getRawQuery();
    if (q == null) {
      return Optional.empty();
    }
    for (String part : q.split("&")) {
      if (part.startsWith("Expires=")) {
        try {
          return Optional.of(Instant.ofEpochSecond(Long.parseLong(part.substring(8))));
        } catch (NumberFormatException e) {
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
