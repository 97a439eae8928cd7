package io.wanpipeline.wan.http;

import java.util.regex.Pattern;

/**
 * Removes secrets from text that came from a provider before it reaches an error, an event or a log
 * line: the query strings of URLs (signed links), bearer tokens and {@code sk-} style keys.
 */
public final class SecretRedactor {

  private static final Pattern URL_QUERY =
      Pattern.compile("(https?://[^\\s?#\"'<>]+)\\?[^\\s\"'<>]*");
  private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[^\\s\"',]+");
  private static final Pattern API_KEY = Pattern.compile("\\bsk-[A-Za-z0-9_\\-]{4,}");
  private static final Pattern OSS_PARAMS =
      Pattern.compile(
          "(?i)\\b(Signature|OSSAccessKeyId|security-token|X-Amz-Signature)=[^\\s&\"']+");

  private SecretRedactor() {}

  /** The text with every secret-looking part replaced by {@code ***}; null stays null. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String s = URL_QUERY.matcher(text).replaceAll("$1?***");
    s = BEARER.matcher(s).replaceAll("$1***");
    s = API_KEY.matcher(s).replaceAll("sk-***");
    s = OSS_PARAMS.matcher(s).replaceAll("$1=***");
    return s;
  }
}
