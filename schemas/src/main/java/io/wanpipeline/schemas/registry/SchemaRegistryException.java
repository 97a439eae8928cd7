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

  /**
   * Whether {@code e}, or one of its causes, is a registry call that got no answer about the
   * schema: no response, a timeout (408), throttling (429) or a server error (5xx). An answer such
   * as "schema not found" is about the record that named the schema, not about the registry.
   */
  public static boolean unavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SchemaRegistryException r) {
        int code = r.errorCode;
        return code == 0 || code == 408 || code == 429 || (code >= 500 && code < 600);
      }
    }
    return false;
  }
}
