package io.wanpipeline.infra.simulator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Reading a call and writing an answer (or no answer), the same for every route and dialect. */
final class HttpReplies {
  /** The largest create body read; a larger one is consumed and treated as unreadable. */
  static final long MAX_BODY = 8L * 1024 * 1024;

  private HttpReplies() {}

  static void write(
      Response res,
      Callback cb,
      int status,
      String contentType,
      byte[] body,
      Map<String, String> headers) {
    res.setStatus(status);
    res.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    res.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    headers.forEach((k, v) -> res.getHeaders().put(k, v));
    res.write(true, ByteBuffer.wrap(body), cb);
  }

  /** Closes the connection without an answer, like a reset or a crashed peer. */
  static void reset(Request req, Callback cb) {
    req.getConnectionMetaData().getConnection().getEndPoint().close();
    cb.failed(new EofException("simulated connection reset"));
  }

  static String bearer(Request req) {
    String h = req.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (h == null) {
      return null;
    }
    String v = h.trim();
    if (v.regionMatches(true, 0, "Bearer ", 0, 7)) {
      v = v.substring(7).trim();
    }
    return v.isEmpty() ? null : v;
  }

  static String readBody(Request req) {
    try {
      if (req.getLength() > MAX_BODY) {
        Content.Source.consumeAll(req);
        return null;
      }
      return Content.Source.asString(req, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }
}
