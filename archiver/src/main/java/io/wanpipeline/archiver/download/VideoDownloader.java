package io.wanpipeline.archiver.download;

import io.wanpipeline.archiver.archive.ArchiveException;
import io.wanpipeline.archiver.archive.ArchiveFailure;
import io.wanpipeline.archiver.link.LinkPolicy;
import io.wanpipeline.archiver.link.LinkRefusal;
import io.wanpipeline.archiver.link.LinkRefusedException;
import io.wanpipeline.wan.ResultLink;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Opens a signed result link for streaming, under the {@link LinkPolicy}. Every link and every
 * redirect target is checked before it is requested (https, no userinfo, allowlisted host), and the
 * client's name resolution checks every address of the host and hands the client only checked
 * addresses, so a name that resolves to a private or metadata address is never connected to, even
 * if its DNS answer changes between two lookups. Redirects are followed by hand, at most {@value
 * #MAX_REDIRECTS} hops.
 *
 * <p>The request carries no Authorization header and no cookies (the client has an empty cookie
 * store and no authentication), asks for no content encoding, and the link's query string is sent
 * exactly as the provider wrote it: OSS refuses a signed URL that also carries credentials
 * (docs/protocol.md 1.10). Outcomes are classified here: a refused link is permanent {@code
 * LINK_REFUSED}; an OSS "Request has expired." 403 is an expired link; 408, 429, 5xx and network
 * errors are transient; other statuses are permanent.
 */
public final class VideoDownloader implements AutoCloseable {
  /** The most redirects followed from one link. */
  public static final int MAX_REDIRECTS = 3;

  private static final int ERROR_BODY_LIMIT = 8 * 1024;
  private static final Pattern XML_CODE = Pattern.compile("<Code>([^<]{1,64})</Code>");

  private final LinkPolicy policy;
  private final HttpClient http;

  /**
   * A trust store for https links whose certificates no public CA signed (the simulator's).
   *
   * @param path PKCS12 file
   * @param password its password
   */
  public record TrustStore(Path path, String password) {
    @Override
    public String toString() {
      return "TrustStore[path=" + path + ", password=***]";
    }
  }

  /**
   * Starts a downloader with its own HTTP client.
   *
   * @param policy which links and addresses may be fetched
   * @param connectTimeout TCP (and TLS) connect timeout
   * @param idleTimeout longest silence while reading a body
   * @param trustStore extra trust store for https links, or null for the JDK's trusted CAs
   */
  public VideoDownloader(
      LinkPolicy policy, Duration connectTimeout, Duration idleTimeout, TrustStore trustStore) {
    this.policy = policy;
    SslContextFactory.Client tls = new SslContextFactory.Client();
    tls.setEndpointIdentificationAlgorithm("HTTPS");
    if (trustStore != null) {
      tls.setTrustStorePath(trustStore.path().toString());
      tls.setTrustStorePassword(trustStore.password());
      tls.setTrustStoreType("PKCS12");
    }
    ClientConnector connector = new ClientConnector();
    connector.setSslContextFactory(tls);
    QueuedThreadPool threads = new QueuedThreadPool(64, 2);
    threads.setName("archiver-download");
    threads.setDaemon(true);
    connector.setExecutor(threads);
    this.http = new HttpClient(new HttpClientTransportOverHTTP(connector));
    http.setExecutor(threads);
    http.setFollowRedirects(false);
    http.getProtocolHandlers().clear();
    http.setHttpCookieStore(new HttpCookieStore.Empty());
    http.getContentDecoderFactories().clear();
    http.setConnectTimeout(connectTimeout.toMillis());
    http.setIdleTimeout(idleTimeout.toMillis());
    http.setSocketAddressResolver(new CheckingResolver(policy));
    try {
      http.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the download HTTP client", e);
    }
  }

  /** Resolves through the policy: every address checked, only checked addresses returned. */
  private record CheckingResolver(LinkPolicy policy) implements SocketAddressResolver {
    @Override
    public void resolve(String host, int port, Promise<List<InetSocketAddress>> promise) {
      List<InetSocketAddress> out = new ArrayList<>();
      try {
        for (InetAddress a : policy.resolveChecked(host, host + ":" + port)) {
          out.add(new InetSocketAddress(a, port));
        }
      } catch (UnknownHostException e) {
        promise.failed(e);
        return;
      } catch (RuntimeException e) {
        promise.failed(e);
        return;
      }
      promise.succeeded(out);
    }
  }

  /**
   * An open download: the body and its announced length. Closing it releases the connection.
   *
   * @param body the response body
   * @param contentLength the Content-Length header, when present
   */
  public record Download(InputStream body, OptionalLong contentLength) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  /**
   * Sends the GET (following at most {@value #MAX_REDIRECTS} redirects, each checked) and returns
   * the body of a 200 answer, unread.
   *
   * @param link the signed link
   * @param responseTimeout how long to wait for the response headers of each hop
   * @throws ArchiveException classified: PERMANENT {@code LINK_REFUSED}, EXPIRED_LINK, TRANSIENT or
   *     PERMANENT {@code DOWNLOAD_FAILED}
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public Download open(ResultLink link, Duration responseTimeout)
      throws ArchiveException, InterruptedException {
    URI target = link.uri();
    for (int hop = 0; ; hop++) {
      // what the messages show of this hop; a redirect may point anywhere (file:, ftp:), so it is
      // redacted as a URI, not made a result link
      String current = hop == 0 ? link.redacted() : ResultLink.redacted(target);
      Optional<LinkRefusal> refusal = policy.refuseForm(target);
      if (refusal.isPresent()) {
        throw refused(link, current, refusal.get().rule());
      }
      InputStreamResponseListener listener = new InputStreamResponseListener();
      Request request =
          http.newRequest(target)
              .method(HttpMethod.GET)
              .headers(h -> h.remove(HttpHeader.ACCEPT_ENCODING));
      request.send(listener);
      Response response;
      try {
        response = listener.get(responseTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        request.abort(e);
        throw ArchiveFailure.transientFailure(
                ArchiveFailure.DOWNLOAD_FAILED,
                "no response from " + current + " within " + responseTimeout)
            .toException();
      } catch (ExecutionException e) {
        Optional<LinkRefusedException> refused = refusedCause(e);
        if (refused.isPresent()) {
          throw refused(link, current, refused.get().refusal().rule());
        }
        Throwable cause = e.getCause() == null ? e : e.getCause();
        throw ArchiveFailure.transientFailure(
                ArchiveFailure.DOWNLOAD_FAILED,
                "cannot download " + current + ": " + cause.getClass().getSimpleName())
            .toException();
      }
      int status = response.getStatus();
      if (status == 200) {
        long length = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        return new Download(
            listener.getInputStream(),
            length >= 0 ? OptionalLong.of(length) : OptionalLong.empty());
      }
      String location = response.getHeaders().get(HttpHeader.LOCATION);
      if (isRedirect(status) && location != null) {
        discard(listener);
        if (hop >= MAX_REDIRECTS) {
          throw refused(link, current, "too-many-redirects");
        }
        try {
          target = target.resolve(URI.create(location.strip()));
        } catch (IllegalArgumentException e) {
          throw refused(link, current, "bad-redirect");
        }
        continue;
      }
      throw classify(current, response, readErrorBody(listener.getInputStream()));
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static ArchiveException classify(String shown, Response response, String body) {
    int status = response.getStatus();
    String where = "GET " + shown + " answered HTTP " + status;
    Optional<String> code = xmlCode(body).map(c -> " " + c);
    if (status == 403 && body.contains("Request has expired")) {
      return new ArchiveFailure(
              ArchiveFailure.LINK_EXPIRED,
              where + code.orElse("") + ": the signed link has expired",
              ArchiveFailure.Kind.EXPIRED_LINK,
              null)
          .toException();
    }
    if (status == 408 || status == 429 || status >= 500) {
      long seconds = response.getHeaders().getLongField(HttpHeader.RETRY_AFTER);
      Duration retryAfter = seconds >= 0 && seconds <= 3600 ? Duration.ofSeconds(seconds) : null;
      return new ArchiveFailure(
              ArchiveFailure.DOWNLOAD_FAILED,
              where + code.orElse(""),
              ArchiveFailure.Kind.TRANSIENT,
              retryAfter)
          .toException();
    }
    return ArchiveFailure.permanent(ArchiveFailure.DOWNLOAD_FAILED, where + code.orElse(""))
        .toException();
  }

  private static ArchiveException refused(ResultLink link, String hop, String rule) {
    String via = hop.equals(link.redacted()) ? "" : " (redirected to " + hop + ")";
    return ArchiveFailure.permanent(
            ArchiveFailure.LINK_REFUSED,
            "link " + link.redacted() + via + " refused by rule " + rule)
        .toException();
  }

  private static Optional<LinkRefusedException> refusedCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof LinkRefusedException r) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  private static void discard(InputStreamResponseListener listener) {
    try (InputStream in = listener.getInputStream()) {
      in.readNBytes(ERROR_BODY_LIMIT);
    } catch (IOException e) {
      // the redirect's body is not needed
    }
  }

  private static String readErrorBody(InputStream body) {
    try (InputStream in = body) {
      byte[] bytes = in.readNBytes(ERROR_BODY_LIMIT);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static Optional<String> xmlCode(String body) {
    Matcher m = XML_CODE.matcher(body);
    return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
  }

  /** Stops the HTTP client; open downloads fail. */
  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the download HTTP client", e);
    }
  }
}
