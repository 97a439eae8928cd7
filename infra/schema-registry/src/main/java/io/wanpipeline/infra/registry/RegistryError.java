package io.wanpipeline.infra.registry;

/** An error the registry answers with: HTTP status plus Confluent's {@code error_code}. */
final class RegistryError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final int errorCode;

  RegistryError(int httpStatus, int errorCode, String message) {
    super(message);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  RegistryError(int httpStatus, int errorCode, String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  int httpStatus() {
    return httpStatus;
  }

  int errorCode() {
    return errorCode;
  }

  static RegistryError subjectNotFound(String subject) {
    return new RegistryError(404, 40401, "Subject '" + subject + "' not found.");
  }

  static RegistryError versionNotFound(String subject, int version) {
    return new RegistryError(
        404, 40402, "Version " + version + " not found for subject '" + subject + "'.");
  }

  static RegistryError schemaNotFound() {
    return new RegistryError(404, 40403, "Schema not found");
  }

  static RegistryError subjectLevelConfigNotFound(String subject) {
    return new RegistryError(
        404,
        40408,
        "Subject '" + subject + "' does not have subject-level compatibility configured");
  }

  static RegistryError invalidSchema(String reason) {
    return new RegistryError(422, 42201, "Invalid schema: " + reason);
  }

  static RegistryError invalidVersion(String version) {
    return new RegistryError(
        422,
        42202,
        "The specified version '"
            + version
            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the"
            + " string \"latest\"");
  }

  static RegistryError invalidCompatibilityLevel(String level) {
    return new RegistryError(
        422,
        42203,
        "Invalid compatibility level '"
            + level
            + "'. Valid values are NONE, BACKWARD, FORWARD, FULL, BACKWARD_TRANSITIVE,"
            + " FORWARD_TRANSITIVE and FULL_TRANSITIVE");
  }

  static RegistryError incompatible(String subject, java.util.List<String> violations) {
    return new RegistryError(
        409,
        409,
        "Schema being registered is incompatible with an earlier schema for subject '"
            + subject
            + "', details: "
            + violations);
  }

  static RegistryError badRequest(String message) {
    return new RegistryError(400, 400, message);
  }

  static RegistryError storeFailed(String message, Throwable cause) {
    return new RegistryError(500, 50001, message, cause);
  }

  static RegistryError timedOut(String message) {
    return new RegistryError(500, 50002, message);
  }
}
