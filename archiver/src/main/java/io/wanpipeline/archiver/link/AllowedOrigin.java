package io.wanpipeline.archiver.link;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of the link allowlist ({@code archiver.link-hosts}): a host pattern, optionally pinned
 * to a port and a scheme.
 *
 * <ul>
 *   <li>{@code oss.example.com}, {@code *.aliyuncs.com}, {@code 127.0.0.1}, {@code [::1]}: the host
 *       on any port, with any accepted scheme;
 *   <li>{@code 127.0.0.1:8443}, {@code *.example.com:443}: the host on that port only;
 *   <li>{@code https://127.0.0.1:8443}: exactly that origin (scheme, host and port); without a
 *       port, the scheme's default port ({@code https://oss.example.com} is port 443 only).
 * </ul>
 *
 * <p>Host patterns are compared in lower case; a wildcard is {@code *.} followed by a suffix and
 * matches one or more labels before it (see {@link LinkPolicy}).
 *
 * @param scheme {@code https} or {@code http}, or null for either accepted scheme
 * @param host the host pattern, lower case (an IPv6 literal in brackets)
 * @param port the port, 1 to 65535, or {@link #ANY_PORT}
 */
public record AllowedOrigin(String scheme, String host, int port) {
  /** The port of an entry written without one and without a scheme. */
  public static final int ANY_PORT = -1;

  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  public AllowedOrigin {
    Objects.requireNonNull(host, "host");
  }

  /**
   * Parses an entry.
   *
   * @throws IllegalArgumentException naming the entry when it is not {@code [scheme://]host[:port]}
   *     with scheme {@code https} or {@code http}, a host or {@code *.suffix} or bracketed IPv6
   *     literal, and a port from 1 to 65535
   */
  public static AllowedOrigin parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    String scheme = null;
    int sep = t.indexOf("://");
    if (sep >= 0) {
      scheme = t.substring(0, sep);
      if (!scheme.equals("https") && !scheme.equals("http")) {
        throw bad(text, "the scheme must be https or http");
      }
      t = t.substring(sep + 3);
      if (t.endsWith("/")) {
        t = t.substring(0, t.length() - 1);
      }
    }
    if (t.isEmpty() || t.contains("/") || t.contains("@") || t.contains("?") || t.contains("#")) {
      throw bad(text, "expected [https://]host[:port], with no path, userinfo or query");
    }
    String host = t;
    String port = null;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0) {
        throw bad(text, "an IPv6 literal needs its closing ]");
      }
      host = t.substring(0, close + 1);
      String rest = t.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw bad(text, "expected :port after the IPv6 literal");
        }
        port = rest.substring(1);
      }
    } else {
      int colon = t.indexOf(':');
      if (colon >= 0) {
        host = t.substring(0, colon);
        port = t.substring(colon + 1);
      }
    }
    if (host.isEmpty() || (host.contains("*") && !host.matches("\\*\\.[^*]+"))) {
      throw bad(text, "expected a host, *.suffix or an IP literal");
    }
    int p = ANY_PORT;
    if (port != null) {
      if (!PORT.matcher(port).matches()
          || Integer.parseInt(port) < 1
          || Integer.parseInt(port) > 65535) {
        throw bad(text, "the port must be a number from 1 to 65535");
      }
      p = Integer.parseInt(port);
    } else if (scheme != null) {
      p = defaultPort(scheme);
    }
    return new AllowedOrigin(scheme, host, p);
  }

  /** The default port of {@code scheme}: 443 for https, 80 for http. */
  public static int defaultPort(String scheme) {
    return scheme.equals("http") ? 80 : 443;
  }

  /** Whether a link with this scheme and port (its explicit or default port) may use the entry. */
  public boolean admits(String linkScheme, int linkPort) {
    return (scheme == null || scheme.equals(linkScheme)) && (port == ANY_PORT || port == linkPort);
  }

  /** Whether the entry's host pattern is a {@code *.suffix} wildcard. */
  public boolean wildcard() {
    return host.startsWith("*.");
  }

  @Override
  public String toString() {
    return (scheme == null ? "" : scheme + "://") + host + (port == ANY_PORT ? "" : ":" + port);
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("bad allowlist entry '" + text.strip() + "': " + why);
  }
}
