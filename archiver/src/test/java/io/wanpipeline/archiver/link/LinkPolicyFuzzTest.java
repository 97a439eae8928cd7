package io.wanpipeline.archiver.link;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.wanpipeline.wan.ResultLink;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Fuzzes the archiver's link policy with arbitrary link text, the way a provider answer delivers it
 * ({@link ResultLink#of}, then {@link LinkPolicy#refuse}), and an arbitrary address for the host to
 * resolve to. A link passes only if it is https to an allowlisted host and the address is a public
 * one (judged here by the JDK's own predicates, not by {@link AddressRules}); nothing but a refusal
 * or the URI parser's IllegalArgumentException comes out; and the signed query string planted in
 * every link never appears in a refusal or a redacted link.
 *
 * <p>Input: the first byte chooses an IPv4 (even) or IPv6 (odd) address made of the next 4 or 16
 * bytes; the rest, as UTF-8, is the link, to which the secret query is appended.
 */
class LinkPolicyFuzzTest {
  private static final String SECRET = "Signature=CANARYsecretCANARY";
  private static final List<String> HOSTS =
      List.of("*.aliyuncs.com", "oss.example.com", "47.93.10.2", "[2408:4001::2]");

  @FuzzTest(maxDuration = "10s")
  @DictionaryEntries({
    "https://",
    "http://",
    ".aliyuncs.com",
    "oss.example.com",
    "47.93.10.2",
    "[2408:4001::2]",
    "@",
    ":443",
    "%2e",
    "%40",
    "0x7f",
    "[::ffff:127.0.0.1]",
    "?",
    "#"
  })
  void passesOnlyHttpsToAnAllowedHostAndPublicAddress(byte[] input) throws Exception {
    boolean v6 = input.length > 0 && (input[0] & 1) == 1;
    int addressLength = v6 ? 16 : 4;
    byte[] address =
        Arrays.copyOf(
            Arrays.copyOfRange(input, Math.min(1, input.length), input.length), addressLength);
    int linkStart = Math.min(input.length, 1 + addressLength);
    String link =
        new String(input, linkStart, input.length - linkStart, StandardCharsets.UTF_8)
            + "?"
            + SECRET;
    InetAddress resolved = InetAddress.getByAddress(address);
    LinkPolicy policy =
        new LinkPolicy(HOSTS, false, AddressRules.strict(), host -> List.of(resolved));

    ResultLink parsed;
    try {
      parsed = ResultLink.of(link);
    } catch (IllegalArgumentException notAUri) {
      return; // the answer parsers report such a link as a malformed answer
    }
    assertThat(parsed.redacted()).doesNotContain("CANARY");
    URI uri = parsed.uri();
    Optional<LinkRefusal> refusal;
    try {
      refusal = policy.refuse(uri);
    } catch (UnknownHostException e) {
      throw new AssertionError("the injected resolver never fails, yet: " + e, e);
    }
    if (refusal.isPresent()) {
      assertThat(refusal.get().message()).doesNotContain("CANARY");
      return;
    }
    assertThat(uri.getScheme()).isEqualToIgnoringCase("https");
    assertThat(uri.getRawUserInfo()).isNull();
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    host = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    assertThat(allowed(host)).as("allowlisted host: %s", host).isTrue();
    assertThat(isPublic(resolved)).as("public address: %s", resolved).isTrue();
  }

  private static boolean allowed(String host) {
    return host.equals("oss.example.com")
        || host.equals("47.93.10.2")
        || host.equals("[2408:4001::2]")
        || (host.endsWith(".aliyuncs.com") && host.length() > ".aliyuncs.com".length());
  }

  private static boolean isPublic(InetAddress a) {
    if (a.isAnyLocalAddress()
        || a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      boolean carrierNat = first == 100 && second >= 64 && second < 128;
      return first != 0 && !carrierNat && first < 224;
    }
    boolean uniqueLocal = (b[0] & 0xfe) == 0xfc;
    return !uniqueLocal;
  }
}
