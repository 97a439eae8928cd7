package io.wanpipeline.wan.validation;

import java.util.Objects;

/**
 * One reason a request is certain to fail at the provider.
 *
 * @param field the offending field as named in the VideoRequest event ({@code model}, {@code
 *     input.img_url}, {@code input.media[1].type}, {@code parameters.resolution}, ...)
 * @param message a sentence for a person that starts with the field and names the accepted values,
 *     for example {@code parameters.resolution: wan2.2-i2v-flash supports 480P and 720P, not
 *     1080P}; never contains URLs or other secrets
 */
public record Violation(String field, String message) {
  public Violation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }

  /** A violation whose message is {@code field + ": " + text}. */
  public static Violation of(String field, String text) {
    return new Violation(field, field + ": " + text);
  }
}
