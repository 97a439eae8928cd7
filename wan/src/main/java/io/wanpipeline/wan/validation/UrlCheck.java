package io.wanpipeline.wan.validation;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/** Decides whether an input URL is one the provider can fetch: http(s) with a host, or data:. */
final class UrlCheck {
  private UrlCheck() {}

  /**
   * Why {@code url} is not usable, or empty when it is. The reason never repeats the URL (its query
   * string may be a signature), only its scheme.
   */
  static Optional<String> problem(String url) {
    String u = url.trim();
    int colon = u.indexOf(':');
    String scheme = colon > 0 ? u.substring(0, colon).toLowerCase(Locale.ROOT) : "";
    if (scheme.equals("data")) {
      return u.indexOf(',') > colon
          ? Optional.empty()
          : Optional.of(
              "must be an http(s) URL or a data: URI; this data: URI has no ',' data part");
    }
    if (scheme.equals("http") || scheme.equals("https")) {
      try {
        URI uri = new URI(u);
        if (uri.getHost() == null || uri.getHost().isBlank()) {
          return Optional.of("must be an http(s) URL with a host name");
        }
        return Optional.empty();
      } catch (URISyntaxException e) {
        return Optional.of("must be a well-formed http(s) URL (characters must be URL-encoded)");
      }
    }
    if (!scheme.matches("[a-z][a-z0-9+.-]{0,15}")) {
      return Optional.of("must be an http(s) URL or a data: URI, not a value without a scheme");
    }
    return Optional.of("must be an http(s) URL or a data: URI, not a " + scheme + ": URL");
  }
}
