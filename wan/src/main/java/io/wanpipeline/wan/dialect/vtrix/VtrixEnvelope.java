package io.wanpipeline.wan.dialect.vtrix;

import java.util.Locale;

/**
 * How a create body wraps the Wan request (docs/protocol.md 5.5, open question 8): the two forms
 * seen in Vtrix's own material. Chosen per account with the dialect option {@value #OPTION}.
 */
public enum VtrixEnvelope {
  /**
   * The model page's form, the default: {@code {"model", "input":{prompt, negative_prompt,
   * img_url}, "parameters":{resolution, duration, prompt_extend, watermark, seed}}}.
   */
  OBJECT("object"),
  /**
   * The Vtrix CLI's form: {@code {"model", "input":[{"params":{"input":{...},
   * "parameters":{...}}}]}}, the Wan-native object nested inside {@code params}.
   */
  PARAMS_ARRAY("params-array");

  /** Dialect option ({@code provider.<name>.envelope}) that picks the form. */
  public static final String OPTION = "envelope";

  private final String word;

  VtrixEnvelope(String word) {
    this.word = word;
  }

  /** The configuration word, {@code object} or {@code params-array}. */
  public String word() {
    return word;
  }

  /**
   * Reads a configuration word.
   *
   * @throws IllegalArgumentException naming the option and the accepted words
   */
  public static VtrixEnvelope parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (VtrixEnvelope e : values()) {
      if (e.word.equals(v)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "dialect option '"
            + OPTION
            + "' must be object or params-array, was '"
            + (value == null ? "" : value.trim())
            + "'");
  }
}
