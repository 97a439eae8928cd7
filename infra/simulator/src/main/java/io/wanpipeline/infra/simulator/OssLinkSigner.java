package io.wanpipeline.infra.simulator;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks OSS V1 query-signature links ({@code Expires}, {@code OSSAccessKeyId}, {@code
 * Signature} = base64 HMAC-SHA1 of {@code VERB\n\n\nExpires\n/bucket/key}), as DashScope's result
 * links are (docs/protocol.md 1.10).
 */
final class OssLinkSigner {

  /** Why a download is refused, or {@link #OK}. */
  enum Check {
    OK,
    AUTHORIZATION_HEADER,
    MISSING_SIGNATURE,
    UNKNOWN_ACCESS_KEY,
    EXPIRED,
    SIGNATURE_MISMATCH
  }

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ChinaTime.OFFSET);

  private final String bucket;
  private final String accessKeyId;
  private final byte[] secret;

  OssLinkSigner(String bucket, String accessKeyId, byte[] secret) {
    this.bucket = bucket;
    this.accessKeyId = accessKeyId;
    this.secret = secret.clone();
  }

  String bucket() {
    return bucket;
  }

  /** {@code <2hex>/<2hex>/<yyyymmdd>/<8hex>/<taskId>.mp4}, stable per task. */
  String objectKey(String taskId, Instant end) {
    String h = sha256Hex(taskId);
    return h.substring(0, 2)
        + "/"
        + h.substring(2, 4)
        + "/"
        + DAY.format(end)
        + "/"
        + h.substring(4, 12)
        + "/"
        + taskId
        + ".mp4";
  }

  /** The signed link below {@code publicBase} (scheme, host and port, no trailing slash). */
  String link(String publicBase, String objectKey, long expiresEpochSeconds) {
    String signature = sign("GET", objectKey, expiresEpochSeconds);
    return publicBase
        + "/oss/"
        + bucket
        + "/"
        + objectKey
        + "?Expires="
        + expiresEpochSeconds
        + "&OSSAccessKeyId="
        + accessKeyId
        + "&Signature="
        + URLEncoder.encode(signature, StandardCharsets.UTF_8);
  }

  /**
   * Checks a request in the order OSS does: both auth styles at once, missing parameters, unknown
   * key, expiry, then the signature.
   *
   * @param method HTTP method (a GET-signed link does not authorise a HEAD)
   * @param objectKey key below the bucket
   * @param query decoded query parameters
   * @param hasAuthorization whether an {@code Authorization} header was sent
   * @param now the simulator clock
   */
  Check check(
      String method,
      String objectKey,
      Map<String, String> query,
      boolean hasAuthorization,
      Instant now) {
    String expires = query.get("Expires");
    String keyId = query.get("OSSAccessKeyId");
    String signature = query.get("Signature");
    if (hasAuthorization && (expires != null || signature != null || keyId != null)) {
      return Check.AUTHORIZATION_HEADER;
    }
    if (expires == null || keyId == null || signature == null) {
      return Check.MISSING_SIGNATURE;
    }
    if (!keyId.equals(accessKeyId)) {
      return Check.UNKNOWN_ACCESS_KEY;
    }
    long expiresAt;
    try {
      expiresAt = Long.parseLong(expires);
    } catch (NumberFormatException e) {
      return Check.SIGNATURE_MISMATCH;
    }
    if (now.getEpochSecond() > expiresAt) {
      return Check.EXPIRED;
    }
    byte[] expected = sign(method, objectKey, expiresAt).getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8))) {
      return Check.SIGNATURE_MISMATCH;
    }
    return Check.OK;
  }

  private String sign(String method, String objectKey, long expires) {
    String toSign = method + "\n\n\n" + expires + "\n/" + bucket + "/" + objectKey;
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret, "HmacSHA1"));
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA1 unavailable", e);
    }
  }

  static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
