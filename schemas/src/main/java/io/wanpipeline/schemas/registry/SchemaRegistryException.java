package io.wanpipeline.schemas.registry;

/**
 * A schema registry call failed; the message carries the registry's error code, never credentials.
 */
public final class SchemaRegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int errorCode;

  public SchemaRegistryException(String message, int errorCode, Throwable cause) {
    super(message, cause);
    this.errorCode = errorCode;
  }

  /** The registry's {@code error_code} (40401, 40403, 42201...), or the HTTP status, or 0. */
  public int errorCode() {
    return errorCode;
  }
}
