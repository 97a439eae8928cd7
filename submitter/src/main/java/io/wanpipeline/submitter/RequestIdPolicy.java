package io.wanpipeline.submitter;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides whether a request_id can be used: it keys the ledger and the status stream and becomes
 * part of S3 object keys, so it must be 1-255 characters of {@code [A-Za-z0-9._:-]} without {@code
 * ..} and not {@code .} alone (a relative path segment in a key).
 */
public final class RequestIdPolicy {
  /** The longest accepted request_id. */
  public static final int MAX_LENGTH = 255;

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]+");

  private RequestIdPolicy() {}

  /** Why {@code requestId} is unusable, or empty when it is fine. */
  public static Optional<String> problem(String requestId) {
    if (requestId == null || requestId.isEmpty()) {
      return Optional.of("request_id is empty");
    }
    if (requestId.length() > MAX_LENGTH) {
      return Optional.of(
          "request_id has " + requestId.length() + " characters, at most " + MAX_LENGTH);
    }
    if (!SAFE.matcher(requestId).matches()) {
      return Optional.of("request_id may contain only letters, digits and . _ : -");
    }
    if (requestId.equals(".")) {
      return Optional.of("request_id must not be '.'");
    }
    if (requestId.contains("..")) {
      return Optional.of("request_id must not contain '..'");
    }
    return Optional.empty();
  }
}
