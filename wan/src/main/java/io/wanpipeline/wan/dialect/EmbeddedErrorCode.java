package io.wanpipeline.wan.dialect;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the upstream DashScope code that a gateway wraps into its own failure text, written as
 * {@code [InvalidParameter]} or {@code [InternalError.Algo]} (docs/protocol.md 5.3), so that a
 * gateway's generic failure code ({@code 3001}, {@code 002014001}) can still be classified by what
 * actually went wrong.
 */
public final class EmbeddedErrorCode {

  private static final Pattern BRACKETED =
      Pattern.compile("\\[([A-Z][A-Za-z0-9]*(?:\\.[A-Za-z0-9]+)*)]");

  private EmbeddedErrorCode() {}

  /** The first bracketed DashScope-style code in {@code text}; empty when there is none. */
  public static Optional<String> find(String text) {
    if (text == null || text.indexOf('[') < 0) {
      return Optional.empty();
    }
    Matcher m = BRACKETED.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
