package io.wanpipeline.infra.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OssLinkSignerTest {
  private final OssLinkSigner signer =
      new OssLinkSigner(
          "dashscope-result-bj", "LTAI5tTESTKEY", "secret".getBytes(StandardCharsets.UTF_8));
  private final Instant end = Instant.parse("2025-10-11T11:02:27.297Z");
  private final String key = signer.objectKey("a55bfe14-task", end);
  private final long expires = end.getEpochSecond() + 86_400;
  private final URI link = URI.create(signer.link("http://127.0.0.1:1", key, expires));

  private Map<String, String> query(URI uri) {
    Map<String, String> q = new HashMap<>();
    for (String p : uri.getRawQuery().split("&")) {
      int i = p.indexOf('=');
      q.put(p.substring(0, i), URLDecoder.decode(p.substring(i + 1), StandardCharsets.UTF_8));
    }
    return q;
  }

  @Test
  void objectKeyHasTheOssResultShapeWithTheChinaDate() {
    assertThat(key).matches("[0-9a-f]{2}/[0-9a-f]{2}/20251011/[0-9a-f]{8}/a55bfe14-task\\.mp4");
    assertThat(link.getPath()).isEqualTo("/oss/dashscope-result-bj/" + key);
    assertThat(link.getRawQuery())
        .startsWith("Expires=" + expires + "&OSSAccessKeyId=LTAI5tTESTKEY&Signature=");
  }

  @Test
  void acceptsItsOwnLinkUntilItExpires() {
    assertThat(signer.check("GET", key, query(link), false, Instant.ofEpochSecond(expires)))
        .isEqualTo(OssLinkSigner.Check.OK);
    assertThat(signer.check("GET", key, query(link), false, Instant.ofEpochSecond(expires + 1)))
        .isEqualTo(OssLinkSigner.Check.EXPIRED);
  }

  @Test
  void refusesAuthorizationHeaderTamperingOtherVerbsAndMissingParameters() {
    Instant now = end;
    assertThat(signer.check("GET", key, query(link), true, now))
        .isEqualTo(OssLinkSigner.Check.AUTHORIZATION_HEADER);
    Map<String, String> tampered = query(link);
    tampered.put("Signature", "x" + tampered.get("Signature"));
    assertThat(signer.check("GET", key, tampered, false, now))
        .isEqualTo(OssLinkSigner.Check.SIGNATURE_MISMATCH);
    assertThat(signer.check("GET", key.replace("a55bfe14", "b55bfe14"), query(link), false, now))
        .isEqualTo(OssLinkSigner.Check.SIGNATURE_MISMATCH);
    assertThat(signer.check("HEAD", key, query(link), false, now))
        .as("a GET-signed link does not authorise HEAD")
        .isEqualTo(OssLinkSigner.Check.SIGNATURE_MISMATCH);
    Map<String, String> other = query(link);
    other.put("OSSAccessKeyId", "LTAIother");
    assertThat(signer.check("GET", key, other, false, now))
        .isEqualTo(OssLinkSigner.Check.UNKNOWN_ACCESS_KEY);
    assertThat(signer.check("GET", key, Map.of(), false, now))
        .isEqualTo(OssLinkSigner.Check.MISSING_SIGNATURE);
  }
}
