package io.wanpipeline.archiver.download;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.wanpipeline.archiver.archive.ArchiveException;
import io.wanpipeline.archiver.archive.ArchiveFailure;
import io.wanpipeline.archiver.link.AddressRules;
import io.wanpipeline.archiver.link.Cidr;
import io.wanpipeline.archiver.link.LinkPolicy;
import io.wanpipeline.wan.ResultLink;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The downloader against a real HTTP server on loopback. */
class VideoDownloaderTest {
  private static final String QUERY =
      "Expires=1760266939&OSSAccessKeyId=LTAI5tTEST&Signature=Fj%2Bpx%2Fab%3D";
  private static final String EXPIRED_XML =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
          + "<Message>Request has expired.</Message><RequestId>5C3D</RequestId>"
          + "<HostId>bucket.oss-cn-beijing.aliyuncs.com</HostId>"
          + "<Expires>2025-10-12T11:02:19.000Z</Expires>"
          + "<EC>0002-00000069</EC></Error>";

  private record Seen(String rawQuery, Map<String, List<String>> headers) {}

  private record Answer(int status, Map<String, String> headers, byte[] body) {}

  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private HttpServer server;
  private VideoDownloader downloader;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
    downloader = downloader(List.of("127.0.0.1", "localhost"), List.of("127.0.0.1/32"));
  }

  private static VideoDownloader downloader(List<String> hosts, List<String> allowed) {
    return new VideoDownloader(
        new LinkPolicy(
            hosts,
            true,
            new AddressRules(allowed.stream().map(Cidr::parse).toList()),
            LinkPolicy.systemResolver()),
        Duration.ofSeconds(2),
        Duration.ofSeconds(10),
        null);
  }

  @AfterEach
  void stop() {
    downloader.close();
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    seen.add(
        new Seen(exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders())));
    Answer a =
        answers.getOrDefault(
            exchange.getRequestURI().getRawPath(), new Answer(404, Map.of(), new byte[0]));
    a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
    exchange.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(a.body());
    }
  }

  private ResultLink link(String path) {
    return ResultLink.of("http://127.0.0.1:" + server.getAddress().getPort() + path + "?" + QUERY);
  }

  @Test
  void sendsTheSignedQueryAsIsAndNoCredentials() throws Exception {
    byte[] video = "not really an mp4".getBytes(StandardCharsets.UTF_8);
    answers.put("/1d/21/a.mp4", new Answer(200, Map.of(), video));

    try (VideoDownloader.Download d =
        downloader.open(link("/1d/21/a.mp4"), Duration.ofSeconds(5))) {
      assertThat(d.body().readAllBytes()).isEqualTo(video);
      assertThat(d.contentLength()).hasValue(video.length);
    }

    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).rawQuery()).as("query byte for byte").isEqualTo(QUERY);
    assertThat(seen.get(0).headers().keySet())
        .map(String::toLowerCase)
        .doesNotContain("authorization", "cookie", "proxy-authorization");
  }

  @Test
  void expiredOssLinkIsClassifiedAsExpired() {
    answers.put(
        "/old.mp4",
        new Answer(
            403,
            Map.of("Content-Type", "application/xml"),
            EXPIRED_XML.getBytes(StandardCharsets.UTF_8)));

    ArchiveFailure f = failureOf(link("/old.mp4"));

    assertThat(f.kind()).isEqualTo(ArchiveFailure.Kind.EXPIRED_LINK);
    assertThat(f.code()).isEqualTo(ArchiveFailure.LINK_EXPIRED);
    assertThat(f.message()).contains("403").contains("AccessDenied").doesNotContain("Signature");
  }

  @Test
  void otherRefusalsArePermanentAndNeverQuoteTheSignature() {
    answers.put(
        "/denied.mp4",
        new Answer(
            403,
            Map.of(),
            "<Error><Code>SignatureDoesNotMatch</Code></Error>".getBytes(StandardCharsets.UTF_8)));

    ArchiveFailure denied = failureOf(link("/denied.mp4"));
    ArchiveFailure missing = failureOf(link("/missing.mp4"));

    assertThat(denied.kind()).isEqualTo(ArchiveFailure.Kind.PERMANENT);
    assertThat(denied.message()).contains("SignatureDoesNotMatch");
    assertThat(missing.kind()).isEqualTo(ArchiveFailure.Kind.PERMANENT);
    assertThat(missing.message()).contains("404").contains("/missing.mp4");
    for (ArchiveFailure f : List.of(denied, missing)) {
      assertThat(f.code()).isEqualTo(ArchiveFailure.DOWNLOAD_FAILED);
      assertThat(f.message()).doesNotContain("Signature=", "OSSAccessKeyId", "LTAI5t", "Expires=");
    }
  }

  @Test
  void serverErrorsAndThrottlingAreTransientWithTheirHint() {
    answers.put("/busy.mp4", new Answer(503, Map.of("Retry-After", "7"), new byte[0]));
    answers.put("/slow.mp4", new Answer(429, Map.of(), new byte[0]));

    ArchiveFailure busy = failureOf(link("/busy.mp4"));
    ArchiveFailure slow = failureOf(link("/slow.mp4"));

    assertThat(busy.kind()).isEqualTo(ArchiveFailure.Kind.TRANSIENT);
    assertThat(busy.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    assertThat(slow.kind()).isEqualTo(ArchiveFailure.Kind.TRANSIENT);
  }

  @Test
  void unreachableHostIsTransient() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ArchiveFailure f =
        failureOf(ResultLink.of("http://127.0.0.1:" + closedPort + "/a.mp4?" + QUERY));

    assertThat(f.kind()).isEqualTo(ArchiveFailure.Kind.TRANSIENT);
    assertThat(f.code()).isEqualTo(ArchiveFailure.DOWNLOAD_FAILED);
    assertThat(f.message()).doesNotContain("Signature");
  }

  @Test
  void followsAFewRedirectsOnTheAllowlist() throws Exception {
    byte[] video = "moved video".getBytes(StandardCharsets.UTF_8);
    answers.put("/final.mp4", new Answer(200, Map.of(), video));
    answers.put("/hop1", new Answer(302, Map.of("Location", "/hop2"), new byte[0]));
    answers.put("/hop2", new Answer(307, Map.of("Location", "/final.mp4?" + QUERY), new byte[0]));

    try (VideoDownloader.Download d = downloader.open(link("/hop1"), Duration.ofSeconds(5))) {
      assertThat(d.body().readAllBytes()).isEqualTo(video);
    }
    assertThat(seen).hasSize(3);
  }

  @Test
  void refusesRedirectsOffThePolicyWithoutRequestingThem() {
    answers.put(
        "/to-metadata",
        new Answer(
            302, Map.of("Location", "http://169.254.169.254/latest/meta-data/"), new byte[0]));
    answers.put(
        "/to-userinfo",
        new Answer(302, Map.of("Location", "http://u:p@127.0.0.1:1/a.mp4"), new byte[0]));
    answers.put("/loop", new Answer(302, Map.of("Location", "/loop"), new byte[0]));
    answers.put("/to-file", new Answer(302, Map.of("Location", "file:///etc/passwd"), new byte[0]));

    ArchiveFailure metadata = failureOf(link("/to-metadata"));
    ArchiveFailure userinfo = failureOf(link("/to-userinfo"));
    ArchiveFailure loop = failureOf(link("/loop"));
    // a redirect off http(s) is refused by the policy, not thrown as a malformed result link
    ArchiveFailure file = failureOf(link("/to-file"));
    assertThat(file.code()).isEqualTo(ArchiveFailure.LINK_REFUSED);
    assertThat(file.message()).contains("file:///etc/passwd").contains("not-https");

    assertThat(metadata.code()).isEqualTo(ArchiveFailure.LINK_REFUSED);
    assertThat(metadata.kind()).isEqualTo(ArchiveFailure.Kind.PERMANENT);
    assertThat(metadata.message()).contains("169.254.169.254").contains("ip-literal");
    assertThat(userinfo.message()).contains("userinfo").doesNotContain("u:p");
    assertThat(loop.code()).isEqualTo(ArchiveFailure.LINK_REFUSED);
    assertThat(loop.message()).contains("too-many-redirects");
    for (ArchiveFailure f : List.of(metadata, userinfo, loop)) {
      assertThat(f.message()).doesNotContain("Signature", "OSSAccessKeyId", "Expires=");
    }
    assertThat(seen).hasSize(3 + 4);
  }

  @Test
  void refusesAnAllowlistedNameResolvingToAForbiddenAddressBeforeConnecting() {
    try (VideoDownloader strict = downloader(List.of("localhost"), List.of())) {
      ResultLink viaName =
          ResultLink.of("http://localhost:" + server.getAddress().getPort() + "/a.mp4?" + QUERY);
      ArchiveFailure f;
      try {
        strict.open(viaName, Duration.ofSeconds(5)).close();
        throw new AssertionError("not refused");
      } catch (ArchiveException e) {
        f = e.failure();
      } catch (Exception e) {
        throw new AssertionError("unexpected " + e, e);
      }
      assertThat(f.code()).isEqualTo(ArchiveFailure.LINK_REFUSED);
      assertThat(f.message()).contains("address:loopback").doesNotContain("Signature");
    }
    assertThat(seen).isEmpty();
  }

  private ArchiveFailure failureOf(ResultLink link) {
    try {
      downloader.open(link, Duration.ofSeconds(5)).close();
    } catch (ArchiveException e) {
      return e.failure();
    } catch (Exception e) {
      throw new AssertionError("unexpected " + e, e);
    }
    throw new AssertionError("no failure for " + link);
  }
}
