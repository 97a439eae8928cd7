package io.wanpipeline.submitter;

import io.wanpipeline.wan.validation.RequestLimits;
import java.util.Optional;

/**
 * Decides whether a request_id can be used: it keys the ledger and the status stream and becomes
 * part of S3 object keys, so it must follow the id grammar of {@link RequestLimits#idProblem}:
 * 1-255 characters of {@code [A-Za-z0-9._:-]} without {@code ..} and not {@code .} alone (a
 * relative path segment in a key).
 */
public final class RequestIdPolicy {
  /** The longest accepted request_id. */
  public static final int MAX_LENGTH = RequestLimits.MAX_ID_LENGTH;

  private RequestIdPolicy() {}

  /** Why {@code requestId} is unusable, or empty when it is fine. */
  public static Optional<String> problem(String requestId) {
    return RequestLimits.idProblem("request_id", requestId);
  }
}
