package io.wanpipeline.archiver.link;

import io.wanpipeline.wan.ResultLink;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides which result links the archiver may fetch: https only (unless {@code
 * archiver.link-allow-http}), no userinfo, a host on the allowlist ({@code archiver.link-hosts}) on
 * a port and scheme its entry admits ({@link AllowedOrigin}), and every address the host resolves
 * to accepted by {@link AddressRules}.
 *
 * <p>Host patterns are case-insensitive: {@code oss.example.com} matches that host only; {@code
 * *.aliyuncs.com} matches any host ending in {@code .aliyuncs.com} (one or more labels before it,
 * never {@code aliyuncs.com} itself). A host that looks numeric (its last label is digits or {@code
 * 0x...}, or it is an IPv6 literal) is an IP literal: it passes only if it is written in canonical
 * form (dotted quad of decimal bytes without leading zeros, or a bracketed IPv6 address) and
 * appears exactly in the list; forms such as {@code 2130706433}, {@code 0177.0.0.1}, {@code
 * 0x7f.0.0.1} and {@code 127.1} are always refused, and wildcards never match an IP literal. An
 * entry with a port ({@code 127.0.0.1:8443}) or a scheme ({@code https://127.0.0.1:8443}) admits
 * only links to that port (a link without one uses its scheme's default port) and scheme; a link
 * whose host an entry matches but whose port or scheme none admits is refused by rule {@code
 * origin-not-allowed}.
 */
public final class LinkPolicy {
  /** Resolves a host name to all its addresses (injected so tests need no DNS). */
  @FunctionalInterface
  public interface Resolver {
    /** Every address of {@code host}. */
    List<InetAddress> resolve(String host) throws UnknownHostException;
  }

  /** The default allowlist: Alibaba Cloud OSS hosts, where DashScope result links live. */
  public static final List<String> DEFAULT_HOSTS = List.of("*.aliyuncs.com");

  private static final Pattern DNS_NAME =
      Pattern.compile(
          "(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0x[0-9a-f]*");
  private static final Pattern CANONICAL_IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
              + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

  private final List<AllowedOrigin> allowed;
  private final boolean allowHttp;
  private final AddressRules addresses;
  private final Resolver resolver;

  /**
   * @param hostPatterns allowlist entries ({@link AllowedOrigin}: exact names, {@code *.suffix}
   *     wildcards or exact IP literals, each optionally with {@code :port} and {@code scheme://})
   * @param allowHttp whether plain http links are accepted (local stack and tests only)
   * @param addresses the address rules every resolved address must pass
   * @param resolver resolves host names
   * @throws IllegalArgumentException naming an entry that is not {@code [scheme://]host[:port]}
   */
  public LinkPolicy(
      List<String> hostPatterns, boolean allowHttp, AddressRules addresses, Resolver resolver) {
    List<AllowedOrigin> parsed = new ArrayList<>();
    for (String p : hostPatterns) {
      if (!p.isBlank()) {
        parsed.add(AllowedOrigin.parse(p));
      }
    }
    this.allowed = List.copyOf(parsed);
    this.allowHttp = allowHttp;
    this.addresses = addresses;
    this.resolver = resolver;
  }

  /** The system resolver ({@link InetAddress#getAllByName}). */
  public static Resolver systemResolver() {
    return host -> List.of(InetAddress.getAllByName(host));
  }

  /** The address rules. */
  public AddressRules addresses() {
    return addresses;
  }

  /**
   * Checks the link's form (scheme, userinfo, host allowlist, numeric host forms) without resolving
   * its host.
   */
  public Optional<LinkRefusal> refuseForm(URI uri) {
    String redacted = redacted(uri);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
      return refused("not-https", redacted);
    }
    if (uri.getRawUserInfo() != null
        || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
      return refused("userinfo", redacted);
    }
    String host = uri.getHost() != null ? uri.getHost() : registryHost(uri.getRawAuthority());
    if (host == null || host.isEmpty()) {
      return refused("no-host", redacted);
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : AllowedOrigin.defaultPort(scheme);
    boolean serverBased = uri.getHost() != null;
    if (host.startsWith("[")) {
      if (!serverBased) {
        // an authority java.net.URI cannot take as host and port (a port out of range...): the
        // link cannot be fetched, and its host cannot be resolved (found by fuzzing)
        return refused("bad-host", redacted);
      }
      return admit(host, false, scheme, port, "ip-literal", redacted);
    }
    String[] labels = host.split("\\.", -1);
    if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
      if (!CANONICAL_IPV4.matcher(host).matches()) {
        return refused("non-canonical-ip", redacted);
      }
      if (!serverBased) {
        return refused("bad-host", redacted);
      }
      return admit(host, false, scheme, port, "ip-literal", redacted);
    }
    if (!serverBased || !DNS_NAME.matcher(host).matches()) {
      return refused("bad-host", redacted);
    }
    return admit(host, true, scheme, port, "host-not-allowed", redacted);
  }

  /**
   * Empty when an entry matches {@code host} and admits the scheme and port; else the refusal:
   * {@code origin-not-allowed} when an entry matches the host only, {@code hostRule} when none
   * does. Wildcard entries are tried only for names ({@code byWildcard}), never for IP literals.
   */
  private Optional<LinkRefusal> admit(
      String host, boolean byWildcard, String scheme, int port, String hostRule, String link) {
    boolean hostMatched = false;
    for (AllowedOrigin entry : allowed) {
      boolean matches =
          entry.wildcard()
              ? byWildcard && host.endsWith(entry.host().substring(1))
              : entry.host().equals(host);
      if (matches) {
        if (entry.admits(scheme, port)) {
          return Optional.empty();
        }
        hostMatched = true;
      }
    }
    return refused(hostMatched ? "origin-not-allowed" : hostRule, link);
  }

  /**
   * Resolves {@code host} and returns its addresses if every one passes the address rules.
   *
   * @param host the host, as the URI gives it (IPv6 literals in brackets)
   * @param link the redacted link, for the refusal
   * @throws LinkRefusedException if any address is refused, or the host has none
   * @throws UnknownHostException if the host cannot be resolved
   */
  public List<InetAddress> resolveChecked(String host, String link) throws UnknownHostException {
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    List<InetAddress> all = resolver.resolve(bare);
    if (all.isEmpty()) {
      throw new LinkRefusedException(new LinkRefusal("no-address", link));
    }
    for (InetAddress a : all) {
      Optional<String> rule = addresses.refusal(a);
      if (rule.isPresent()) {
        throw new LinkRefusedException(new LinkRefusal("address:" + rule.get(), link));
      }
    }
    return all;
  }

  /**
   * The full check: form, then every address of the host.
   *
   * @return the refusal, or empty when the link may be fetched
   * @throws UnknownHostException if the host cannot be resolved
   */
  public Optional<LinkRefusal> refuse(URI uri) throws UnknownHostException {
    Optional<LinkRefusal> form = refuseForm(uri);
    if (form.isPresent()) {
      return form;
    }
    try {
      resolveChecked(uri.getHost(), redacted(uri));
      return Optional.empty();
    } catch (LinkRefusedException e) {
      return Optional.of(e.refusal());
    }
  }

  /** The host part of an authority {@link URI} could not parse as a server (numeric forms). */
  private static String registryHost(String authority) {
    if (authority == null) {
      return null;
    }
    String h = authority.substring(authority.lastIndexOf('@') + 1);
    if (!h.startsWith("[")) {
      int colon = h.lastIndexOf(':');
      if (colon >= 0 && h.substring(colon + 1).matches("[0-9]*")) {
        h = h.substring(0, colon);
      }
    }
    return h;
  }

  private static String redacted(URI uri) {
    return ResultLink.redacted(uri);
  }

  private static Optional<LinkRefusal> refused(String rule, String link) {
    return Optional.of(new LinkRefusal(rule, link));
  }
}
