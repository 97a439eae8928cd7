package io.wanpipeline.wan.validation;

import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether a text field holds only characters the provider can take: no NUL, no control
 * character other than tab, line feed and carriage return, no lone surrogate (it has no UTF-8
 * form), and no U+FFFD (what an invalid UTF-8 sequence, such as an encoded lone surrogate, decodes
 * to: the caller's text was lost before it reached us).
 */
final class TextCheck {
  private TextCheck() {}

  /** Why {@code text} cannot be sent, naming the first bad character and its index; or empty. */
  static Optional<String> problem(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
        continue;
      }
      if (Character.isSurrogate(c)) {
        return Optional.of("contains a lone surrogate " + code(c) + " at index " + i);
      }
      if (c == 0) {
        return Optional.of("contains a NUL character (U+0000) at index " + i);
      }
      if (Character.getType(c) == Character.CONTROL && c != '\t' && c != '\n' && c != '\r') {
        return Optional.of("contains the control character " + code(c) + " at index " + i);
      }
      if (c == '\uFFFD') {
        return Optional.of(
            "contains U+FFFD at index "
                + i
                + " (the replacement character: the text was not valid UTF-8)");
      }
    }
    return Optional.empty();
  }

  private static String code(char c) {
    return String.format(Locale.ROOT, "U+%04X", (int) c);
  }
}
