package io.wanpipeline.archiver.download;

import io.wanpipeline.archiver.archive.ArchiveException;
import io.wanpipeline.archiver.archive.ArchiveFailure;
import io.wanpipeline.wan.ResultLink;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a signed result link for streaming. The request carries no Authorization header and no
 * cookies (the client has no cookie handler and no authenticator), and the link's query string is
 * sent exactly as the provider wrote it: OSS refuses a signed URL that also carries credentials
 * (wan-protocol.md 1.10). Outcomes are classified here: an OSS "Request has expired." 403 is an
 * expired link; 408, 429, 5xx and network errors are transient; other statuses are permanent.
 */
public final class VideoDownloader {
  private static final int ERROR_BODY_LIMIT = 8 * 1024;
  private static final Pattern XML_CODE = Pattern.compile("<Code>([^<]{1,64})</Code>");

  private final HttpClient http;

  public VideoDownloader(HttpClient http) {
    this.http = http;
  }

  /**
   * The HTTP client downloads use: HTTP/1.1, redirects followed except HTTPS to HTTP, no cookie
   * handler, no authenticator, no proxy credentials.
   */
  public static HttpClient newHttpClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(connectTimeout)
        .build();
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
   * Sends the GET and returns the body of a 200 answer, unread.
   *
   * @param link the signed link
   * @param responseTimeout how long to wait for the response headers
   * @throws ArchiveException classified: EXPIRED_LINK, TRANSIENT or PERMANENT {@code
   *     DOWNLOAD_FAILED}
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public Download open(ResultLink link, Duration responseTimeout)
      throws ArchiveException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(link.uri()).GET().timeout(responseTimeout).build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw ArchiveFailure.transientFailure(
              ArchiveFailure.DOWNLOAD_FAILED,
              "no response from " + link.redacted() + " within " + responseTimeout)
          .toException();
    } catch (IOException e) {
      throw ArchiveFailure.transientFailure(
              ArchiveFailure.DOWNLOAD_FAILED,
              "cannot download " + link.redacted() + ": " + e.getClass().getSimpleName())
          .toException();
    }
    int status = response.statusCode();
    if (status == 200) {
      return new Download(response.body(), response.headers().firstValueAsLong("content-length"));
    }
    String body = readErrorBody(response.body());
    String where = "GET " + link.redacted() + " answered HTTP " + status;
    Optional<String> code = xmlCode(body).map(c -> " " + c);
    if (status == 403 && body.contains("Request has expired")) {
      throw new ArchiveFailure(
              ArchiveFailure.LINK_EXPIRED,
              where + code.orElse("") + ": the signed link has expired",
              ArchiveFailure.Kind.EXPIRED_LINK,
              null)
          .toException();
    }
    if (status == 408 || status == 429 || status >= 500) {
      Duration retryAfter =
          response.headers().firstValueAsLong("retry-after").stream()
              .filter(s -> s >= 0 && s <= 3600)
              .mapToObj(Duration::ofSeconds)
              .findFirst()
              .orElse(null);
      throw new ArchiveFailure(
              ArchiveFailure.DOWNLOAD_FAILED,
              where + code.orElse(""),
              ArchiveFailure.Kind.TRANSIENT,
              retryAfter)
          .toException();
    }
    throw ArchiveFailure.permanent(ArchiveFailure.DOWNLOAD_FAILED, where + code.orElse(""))
        .toException();
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
}
