package io.wanpipeline.archiver.link;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether the archiver may connect to an address: loopback, unspecified, private,
 * carrier-grade NAT (100.64/10, which holds Alibaba's metadata address 100.100.100.200), link-local
 * (169.254/16, which holds 169.254.169.254), multicast, reserved, documentation and other special
 * blocks are refused, and IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, compatible)
 * are judged by that IPv4 address. An address inside one of the allowed blocks ({@code
 * archiver.link-allowed-addresses}) is accepted whatever its kind.
 */
public final class AddressRules {
  private record Rule(Cidr block, String name) {}

  private static final List<Rule> IPV4 =
      List.of(
          rule("255.255.255.255/32", "broadcast"),
          rule("0.0.0.0/8", "this-network"),
          rule("10.0.0.0/8", "private"),
          rule("100.64.0.0/10", "carrier-grade-nat"),
          rule("127.0.0.0/8", "loopback"),
          rule("169.254.0.0/16", "link-local"),
          rule("172.16.0.0/12", "private"),
          rule("192.0.0.0/24", "ietf-protocol"),
          rule("192.0.2.0/24", "documentation"),
          rule("192.88.99.0/24", "6to4-relay"),
          rule("192.168.0.0/16", "private"),
          rule("198.18.0.0/15", "benchmarking"),
          rule("198.51.100.0/24", "documentation"),
          rule("203.0.113.0/24", "documentation"),
          rule("224.0.0.0/4", "multicast"),
          rule("240.0.0.0/4", "reserved"));

  private static final List<Rule> IPV6 =
      List.of(
          rule("::/128", "unspecified"),
          rule("::1/128", "loopback"),
          rule("fc00::/7", "unique-local"),
          rule("fe80::/10", "link-local"),
          rule("fec0::/10", "site-local"),
          rule("ff00::/8", "multicast"),
          rule("2001::/32", "teredo"),
          rule("2001:db8::/32", "documentation"),
          rule("100::/64", "discard"));

  private static final Cidr MAPPED = Cidr.parse("::ffff:0:0/96");
  private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
  private static final Cidr NAT64_LOCAL = Cidr.parse("64:ff9b:1::/48");
  private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
  private static final Cidr COMPATIBLE = Cidr.parse("::/96");

  private final List<Cidr> allowed;

  /**
   * @param allowed blocks accepted whatever their kind (the local stack's 127.0.0.1)
   */
  public AddressRules(List<Cidr> allowed) {
    this.allowed = List.copyOf(allowed);
  }

  /** Rules with no allowed blocks: every special address is refused. */
  public static AddressRules strict() {
    return new AddressRules(List.of());
  }

  /** The allowed blocks. */
  public List<Cidr> allowed() {
    return allowed;
  }

  /**
   * The name of the rule that refuses {@code address} (for example {@code loopback} or {@code
   * link-local}, prefixed with the embedding for IPv6 forms such as {@code ipv4-mapped:loopback}),
   * or empty when it may be connected to.
   */
  public Optional<String> refusal(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (isAllowed(bytes)) {
      return Optional.empty();
    }
    if (bytes.length == 4) {
      return ipv4Refusal(bytes);
    }
    for (Rule r : IPV6) {
      if (r.block().contains(bytes)) {
        return Optional.of(r.name());
      }
    }
    String embedding = null;
    byte[] embedded = null;
    if (MAPPED.contains(bytes)) {
      embedding = "ipv4-mapped";
      embedded = Arrays.copyOfRange(bytes, 12, 16);
    } else if (NAT64.contains(bytes)) {
      embedding = "nat64";
      embedded = Arrays.copyOfRange(bytes, 12, 16);
    } else if (NAT64_LOCAL.contains(bytes)) {
      return Optional.of("nat64-local");
    } else if (SIX_TO_FOUR.contains(bytes)) {
      embedding = "6to4";
      embedded = Arrays.copyOfRange(bytes, 2, 6);
    } else if (COMPATIBLE.contains(bytes)) {
      embedding = "ipv4-compatible";
      embedded = Arrays.copyOfRange(bytes, 12, 16);
    }
    if (embedded == null || isAllowed(embedded)) {
      return Optional.empty();
    }
    String prefix = embedding;
    return ipv4Refusal(embedded).map(r -> prefix + ":" + r);
  }

  private boolean isAllowed(byte[] bytes) {
    for (Cidr c : allowed) {
      if (c.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<String> ipv4Refusal(byte[] bytes) {
    for (Rule r : IPV4) {
      if (r.block().contains(bytes)) {
        return Optional.of(r.name());
      }
    }
    return Optional.empty();
  }

  private static Rule rule(String cidr, String name) {
    return new Rule(Cidr.parse(cidr), name);
  }
}
