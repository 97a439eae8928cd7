package io.wanpipeline.archiver.link;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;

/**
 * An address block such as {@code 127.0.0.1/32} or {@code fd00::/8}; a bare address is a block of
 * one.
 *
 * @param network the block's first address, as 4 or 16 bytes
 * @param prefix the number of leading bits that must match
 */
public record Cidr(byte[] network, int prefix) {
  public Cidr {
    network = network.clone();
    if (network.length != 4 && network.length != 16) {
      throw new IllegalArgumentException("an address has 4 or 16 bytes");
    }
    if (prefix < 0 || prefix > network.length * 8) {
      throw new IllegalArgumentException("prefix out of range: " + prefix);
    }
  }

  /**
   * Parses {@code address[/prefix]}; the address must be a literal (no name is resolved).
   *
   * @throws IllegalArgumentException if it is not a literal address or the prefix is out of range
   */
  public static Cidr parse(String text) {
    String t = text.strip();
    int slash = t.indexOf('/');
    String address = slash < 0 ? t : t.substring(0, slash);
    if (!address.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")
        || (address.indexOf(':') < 0 && address.split("\\.", -1).length != 4)) {
      throw new IllegalArgumentException("not a literal IP address: " + address);
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress();
      if (bytes.length == 4 && address.indexOf(':') >= 0) {
        // The JDK turns ::ffff:a.b.c.d into an IPv4 address; a block written in IPv6 stays IPv6.
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(bytes, 0, mapped, 12, 4);
        bytes = mapped;
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not a literal IP address: " + address, e);
    }
    int prefix;
    try {
      prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix in " + t, e);
    }
    return new Cidr(bytes, prefix);
  }

  @Override
  public byte[] network() {
    return network.clone();
  }

  /** Whether {@code address} (4 or 16 bytes) is inside this block; other lengths never are. */
  public boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (address[full] & mask) == (network[full] & mask);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress().toLowerCase(Locale.ROOT)
          + "/"
          + prefix;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
