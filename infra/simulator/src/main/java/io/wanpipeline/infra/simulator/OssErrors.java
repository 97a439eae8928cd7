package io.wanpipeline.infra.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** OSS-style XML error bodies (docs/protocol.md 1.10; OSS error centre codes {@code 0002-*}). */
final class OssErrors {
  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
          .withZone(java.time.ZoneOffset.UTC);

  /** One refusal: status, code, message, error-centre code. */
  record Refusal(int status, String code, String message, String ec) {}

  static final Refusal AUTHORIZATION_HEADER =
      new Refusal(
          403,
          "AccessDenied",
          "The header and the URL request parameter cannot include a signature in a request at"
              + " the same time.",
          "0002-00000039");
  static final Refusal MISSING_SIGNATURE =
      new Refusal(
          403,
          "AccessDenied",
          "You have no right to access this object because of bucket acl.",
          "0003-00000001");
  static final Refusal UNKNOWN_ACCESS_KEY =
      new Refusal(
          403,
          "InvalidAccessKeyId",
          "The OSS Access Key Id you provided does not exist in our records.",
          "0002-00000002");
  static final Refusal EXPIRED =
      new Refusal(403, "AccessDenied", "Request has expired.", "0002-00000069");
  static final Refusal SIGNATURE_MISMATCH =
      new Refusal(
          403,
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided. Check"
              + " your key and signing method.",
          "0002-00000040");
  static final Refusal NO_SUCH_KEY =
      new Refusal(404, "NoSuchKey", "The specified key does not exist.", "0026-00000001");
  static final Refusal NO_SUCH_BUCKET =
      new Refusal(404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101");
  static final Refusal SERVICE_UNAVAILABLE =
      new Refusal(503, "ServiceUnavailable", "Please reduce your request rate.", "0001-00000503");
  static final Refusal INTERNAL_ERROR =
      new Refusal(
          500,
          "InternalError",
          "We encountered an internal error. Please try again.",
          "0001-00000500");
  static final Refusal SLOW_DOWN =
      new Refusal(503, "SlowDown", "Please reduce your request rate.", "0001-00000503");

  private OssErrors() {}

  /**
   * The XML body of {@code refusal}.
   *
   * @param expires the link's expiry, written only for an expired link
   * @param now the server time
   */
  static byte[] xml(
      Refusal refusal, String requestId, String hostId, Instant expires, Instant now) {
    StringBuilder b = new StringBuilder();
    b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n");
    b.append("  <Code>").append(refusal.code()).append("</Code>\n");
    b.append("  <Message>").append(refusal.message()).append("</Message>\n");
    b.append("  <RequestId>").append(requestId).append("</RequestId>\n");
    b.append("  <HostId>").append(hostId).append("</HostId>\n");
    if (refusal == EXPIRED && expires != null) {
      b.append("  <Expires>").append(ISO_MILLIS.format(expires)).append("</Expires>\n");
      b.append("  <ServerTime>")
          .append(ISO_MILLIS.format(now.truncatedTo(ChronoUnit.SECONDS)))
          .append("</ServerTime>\n");
    }
    b.append("  <EC>").append(refusal.ec()).append("</EC>\n");
    b.append("  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=")
        .append(refusal.ec())
        .append("</RecommendDoc>\n");
    b.append("</Error>\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
