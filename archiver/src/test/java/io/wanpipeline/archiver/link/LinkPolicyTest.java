package io.wanpipeline.archiver.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The link policy against a table of hostile and acceptable links, with an injected resolver. */
class LinkPolicyTest {
  private static final String Q = "?Expires=1760266939&OSSAccessKeyId=LTAI5t&Signature=abc";

  private static final Map<String, List<String>> DNS =
      Map.ofEntries(
          Map.entry("b.oss-cn-beijing.aliyuncs.com", List.of("47.93.10.1")),
          Map.entry("oss.example.com", List.of("47.93.10.3")),
          Map.entry("v6.oss-cn-beijing.aliyuncs.com", List.of("2408:4001::1")),
          Map.entry("rebind.aliyuncs.com", List.of("47.93.10.1", "127.0.0.1")),
          Map.entry("meta.aliyuncs.com", List.of("169.254.169.254")),
          Map.entry("alimeta.aliyuncs.com", List.of("100.100.100.200")),
          Map.entry("intranet.aliyuncs.com", List.of("10.1.2.3")),
          Map.entry("v6loop.aliyuncs.com", List.of("::1")),
          Map.entry("mapped.aliyuncs.com", List.of("::ffff:a9fe:a9fe")),
          Map.entry("nat64.aliyuncs.com", List.of("64:ff9b::a9fe:a9fe")),
          Map.entry("sixtofour.aliyuncs.com", List.of("2002:7f00:1::1")));

  private final LinkPolicy policy =
      new LinkPolicy(
          List.of("*.aliyuncs.com", "oss.example.com", "47.93.10.2", "[2408:4001::2]"),
          false,
          AddressRules.strict(),
          LinkPolicyTest::resolve);

  private static List<InetAddress> resolve(String host) throws UnknownHostException {
    List<String> literal = DNS.get(host.toLowerCase(java.util.Locale.ROOT));
    if (literal == null) {
      if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
        throw new UnknownHostException(host);
      }
      literal = List.of(host);
    }
    List<InetAddress> out = new ArrayList<>();
    for (String a : literal) {
      out.add(InetAddress.getByName(a));
    }
    return out;
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // acceptable
    "https://b.oss-cn-beijing.aliyuncs.com/1d/a.mp4, ok",
    "https://B.OSS-CN-BEIJING.ALIYUNCS.COM/1d/a.mp4, ok",
    "https://v6.oss-cn-beijing.aliyuncs.com/a.mp4, ok",
    "https://oss.example.com:8443/a.mp4, ok",
    "https://47.93.10.2/a.mp4, ok",
    "https://[2408:4001::2]/a.mp4, ok",
    // scheme and userinfo
    "http://b.oss-cn-beijing.aliyuncs.com/a.mp4, not-https",
    "ftp://b.oss-cn-beijing.aliyuncs.com/a.mp4, not-https",
    "file:///etc/passwd, not-https",
    "https://user:pw@b.oss-cn-beijing.aliyuncs.com/a.mp4, userinfo",
    "https://b.oss-cn-beijing.aliyuncs.com@evil.example/a.mp4, userinfo",
    // host allowlist
    "https://evil.example/a.mp4, host-not-allowed",
    "https://aliyuncs.com/a.mp4, host-not-allowed",
    "https://aliyuncs.com.evil.example/a.mp4, host-not-allowed",
    "https://evilaliyuncs.com/a.mp4, host-not-allowed",
    "https://sub.oss.example.com/a.mp4, host-not-allowed",
    // IP literals, canonical but not allowlisted
    "https://127.0.0.1/a.mp4, ip-literal",
    "https://169.254.169.254/latest/meta-data/, ip-literal",
    "https://100.100.100.200/latest/meta-data/, ip-literal",
    "https://10.0.0.1/a.mp4, ip-literal",
    "https://192.168.1.1/a.mp4, ip-literal",
    "https://172.16.0.1/a.mp4, ip-literal",
    "https://0.0.0.0/a.mp4, ip-literal",
    "https://[::1]/a.mp4, ip-literal",
    "https://[::ffff:127.0.0.1]/a.mp4, ip-literal",
    "https://[fd00::1]/a.mp4, ip-literal",
    "https://[fe80::1]/a.mp4, ip-literal",
    // non-canonical numeric forms
    "https://2130706433/a.mp4, non-canonical-ip",
    "https://0177.0.0.1/a.mp4, non-canonical-ip",
    "https://0x7f.0.0.1/a.mp4, non-canonical-ip",
    "https://0x7f000001/a.mp4, non-canonical-ip",
    "https://127.1/a.mp4, non-canonical-ip",
    "https://047.093.010.002/a.mp4, non-canonical-ip",
    "https://2852039166/a.mp4, non-canonical-ip",
    // allowlisted names resolving to forbidden addresses
    "https://rebind.aliyuncs.com/a.mp4, address:loopback",
    "https://meta.aliyuncs.com/a.mp4, address:link-local",
    "https://alimeta.aliyuncs.com/a.mp4, address:carrier-grade-nat",
    "https://intranet.aliyuncs.com/a.mp4, address:private",
    "https://v6loop.aliyuncs.com/a.mp4, address:loopback",
    "https://mapped.aliyuncs.com/a.mp4, address:link-local",
    "https://nat64.aliyuncs.com/a.mp4, address:nat64:link-local",
    "https://sixtofour.aliyuncs.com/a.mp4, address:6to4:loopback",
  })
  void decides(String url, String expected) throws Exception {
    Optional<LinkRefusal> refusal = policy.refuse(URI.create(url + Q));

    if (expected.equals("ok")) {
      assertThat(refusal).as(url).isEmpty();
    } else {
      assertThat(refusal).as(url).isPresent();
      assertThat(refusal.get().rule()).as(url).isEqualTo(expected);
      assertThat(refusal.get().message()).doesNotContain("Signature", "LTAI5t", "Expires=", "pw@");
    }
  }

  @Test
  void httpIsAcceptedOnlyWhenAllowedAndAllowedAddressesAreExempt() throws Exception {
    LinkPolicy local =
        new LinkPolicy(
            List.of("127.0.0.1"),
            true,
            new AddressRules(List.of(Cidr.parse("127.0.0.1/32"))),
            LinkPolicyTest::resolve);

    assertThat(local.refuse(URI.create("http://127.0.0.1:8089/oss/a.mp4" + Q))).isEmpty();
    assertThat(local.refuse(URI.create("http://127.0.0.2/oss/a.mp4"))).isPresent();
    assertThat(local.refuse(URI.create("http://localhost/oss/a.mp4")).map(LinkRefusal::rule))
        .contains("host-not-allowed");
  }

  @Test
  void anExactOriginAdmitsOnlyItsSchemeAndPortOnLoopback() throws Exception {
    LinkPolicy local =
        new LinkPolicy(
            List.of("https://127.0.0.1:8443"),
            false,
            new AddressRules(List.of(Cidr.parse("127.0.0.1/32"))),
            LinkPolicyTest::resolve);

    assertThat(local.refuse(URI.create("https://127.0.0.1:8443/oss/a.mp4" + Q))).isEmpty();
    for (String other :
        List.of(
            "https://127.0.0.1/a.mp4",
            "https://127.0.0.1:443/a.mp4",
            "https://127.0.0.1:8444/a.mp4",
            "https://127.0.0.1:9092/a.mp4")) {
      Optional<LinkRefusal> refusal = local.refuse(URI.create(other + Q));
      assertThat(refusal.map(LinkRefusal::rule)).as(other).contains("origin-not-allowed");
      assertThat(refusal.get().message()).doesNotContain("Signature", "LTAI5t");
    }
    assertThat(local.refuse(URI.create("https://127.0.0.2:8443/a.mp4")).map(LinkRefusal::rule))
        .contains("ip-literal");
  }

  @Test
  void portsAndSchemesPinEntriesOfEveryKind() throws Exception {
    LinkPolicy pinned =
        new LinkPolicy(
            List.of(
                "*.aliyuncs.com:443",
                "oss.example.com:8443",
                "https://47.93.10.2",
                "[2408:4001::2]:9443",
                "http://b.oss-cn-beijing.aliyuncs.com:8080"),
            true,
            AddressRules.strict(),
            LinkPolicyTest::resolve);

    assertThat(pinned.refuse(URI.create("https://b.oss-cn-beijing.aliyuncs.com/a.mp4"))).isEmpty();
    assertThat(pinned.refuse(URI.create("https://b.oss-cn-beijing.aliyuncs.com:443/a"))).isEmpty();
    assertThat(pinned.refuse(URI.create("http://b.oss-cn-beijing.aliyuncs.com:8080/a"))).isEmpty();
    assertThat(pinned.refuse(URI.create("https://oss.example.com:8443/a.mp4"))).isEmpty();
    assertThat(pinned.refuse(URI.create("https://47.93.10.2/a.mp4"))).isEmpty();
    assertThat(pinned.refuse(URI.create("https://[2408:4001::2]:9443/a.mp4"))).isEmpty();
    for (String refused :
        List.of(
            "https://b.oss-cn-beijing.aliyuncs.com:8443/a.mp4",
            "http://b.oss-cn-beijing.aliyuncs.com/a.mp4",
            "https://b.oss-cn-beijing.aliyuncs.com:8080/a.mp4",
            "https://oss.example.com/a.mp4",
            "http://47.93.10.2/a.mp4",
            "https://47.93.10.2:8443/a.mp4",
            "https://[2408:4001::2]/a.mp4")) {
      assertThat(pinned.refuse(URI.create(refused)).map(LinkRefusal::rule))
          .as(refused)
          .contains("origin-not-allowed");
    }
  }

  @Test
  void malformedEntriesAreRefusedWhenThePolicyIsBuilt() {
    for (String bad :
        List.of("127.0.0.1:0", "127.0.0.1:70000", "https://h/path", "ftp://h", "u@h", "*x.com")) {
      assertThatThrownBy(
              () -> new LinkPolicy(List.of(bad), false, AddressRules.strict(), h -> List.of()))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
  }

  @Test
  void resolveCheckedRefusesWhenAnyAddressIsForbidden() {
    assertThatThrownBy(() -> policy.resolveChecked("rebind.aliyuncs.com", "https://x/a.mp4"))
        .isInstanceOf(LinkRefusedException.class)
        .hasMessageContaining("address:loopback");
  }

  @Test
  void addressRulesCoverTheSpecialBlocks() throws Exception {
    AddressRules rules = AddressRules.strict();
    for (String a :
        List.of(
            "0.1.2.3",
            "10.9.9.9",
            "100.64.0.1",
            "127.0.0.2",
            "169.254.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.168.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "febf::1",
            "ff02::1",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:a00:1::")) {
      assertThat(rules.refusal(InetAddress.getByName(a))).as(a).isPresent();
    }
    for (String a : List.of("47.93.10.1", "8.8.8.8", "100.128.0.1", "172.32.0.1", "2408::1")) {
      assertThat(rules.refusal(InetAddress.getByName(a))).as(a).isEmpty();
    }
  }

  @Test
  void cidrParsesOnlyLiterals() {
    assertThat(Cidr.parse("10.0.0.0/8").contains(new byte[] {10, 1, 2, 3})).isTrue();
    assertThat(Cidr.parse("10.0.0.0/8").contains(new byte[] {11, 1, 2, 3})).isFalse();
    assertThat(Cidr.parse("127.0.0.1").prefix()).isEqualTo(32);
    assertThatThrownBy(() -> Cidr.parse("localhost")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parse("127.1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
