package io.wanpipeline.infra.simulator;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A result link's {@code GET}/{@code HEAD} as OSS would answer it: the signature and expiry checked
 * (no {@code Authorization} header), the object only once its task has succeeded, OSS's XML errors
 * (docs/protocol.md 1.10), and injected faults (reset, slow down, a body cut short).
 */
final class OssDownloadRoute {
  private static final Logger LOG = LoggerFactory.getLogger(OssDownloadRoute.class);

  private final TaskBoard board;
  private final SimulatorLedger ledger;
  private final OssLinkSigner signer;
  private final SimulatorConfig config;
  private final Function<SimulatedTask, VideoPayload> videos;
  private final Function<SimulatedTask, String> videoSha;

  OssDownloadRoute(
      SimulatorConfig config,
      TaskBoard board,
      SimulatorLedger ledger,
      OssLinkSigner signer,
      Function<SimulatedTask, VideoPayload> videos,
      Function<SimulatedTask, String> videoSha) {
    this.config = config;
    this.board = board;
    this.ledger = ledger;
    this.signer = signer;
    this.videos = videos;
    this.videoSha = videoSha;
  }

  void serve(FaultDice.Decision decision, String path, Request req, Response res, Callback cb)
      throws IOException {
    Instant now = config.clock().instant();
    String rest = path.substring("/oss/".length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String objectKey = slash < 0 ? "" : rest.substring(slash + 1);
    String file = objectKey.substring(objectKey.lastIndexOf('/') + 1);
    String taskId = file.endsWith(".mp4") ? file.substring(0, file.length() - 4) : null;
    String requestId = ossRequestId();
    OssErrors.Refusal refusal = null;
    switch (decision.outcome()) {
      case RESET -> {
        ledger.record(new SimulatorLedger.Download(taskId, now, 0, "reset", 0, null));
        HttpReplies.reset(req, cb);
        return;
      }
      case THROTTLE, UNAVAILABLE -> refusal = OssErrors.SLOW_DOWN;
      case INTERNAL_ERROR -> refusal = OssErrors.INTERNAL_ERROR;
      default -> {
        // served normally, or truncated below for MALFORMED
      }
    }
    Map<String, String> query = new HashMap<>();
    for (Fields.Field f : Request.extractQueryParameters(req, StandardCharsets.UTF_8)) {
      query.put(f.getName(), f.getValue());
    }
    Instant expires = null;
    if (refusal == null && !bucket.equals(signer.bucket())) {
      refusal = OssErrors.NO_SUCH_BUCKET;
    }
    if (refusal == null) {
      boolean hasAuthorization = req.getHeaders().get(HttpHeader.AUTHORIZATION) != null;
      OssLinkSigner.Check check =
          signer.check(req.getMethod(), objectKey, query, hasAuthorization, now);
      refusal =
          switch (check) {
            case OK -> null;
            case AUTHORIZATION_HEADER -> OssErrors.AUTHORIZATION_HEADER;
            case MISSING_SIGNATURE -> OssErrors.MISSING_SIGNATURE;
            case UNKNOWN_ACCESS_KEY -> OssErrors.UNKNOWN_ACCESS_KEY;
            case EXPIRED -> OssErrors.EXPIRED;
            case SIGNATURE_MISMATCH -> OssErrors.SIGNATURE_MISMATCH;
          };
      if (check == OssLinkSigner.Check.EXPIRED) {
        expires = Instant.ofEpochSecond(Long.parseLong(query.get("Expires")));
      }
    }
    SimulatedTask task = null;
    if (refusal == null) {
      task = taskId == null ? null : board.find(taskId, now).orElse(null);
      TaskBoard.Timeline timeline = task == null ? null : board.timeline(task, now);
      boolean served =
          timeline != null
              && task.fate == SimulatedTask.Fate.SUCCEED
              && !timeline.canceled()
              && timeline.ended() != null
              && !timeline.ended().isAfter(now)
              && signer.objectKey(task.taskId, timeline.ended()).equals(objectKey);
      if (!served) {
        refusal = OssErrors.NO_SUCH_KEY;
      }
    }
    if (refusal != null) {
      LOG.debug("download refused taskId={} code={}", taskId, refusal.code());
      ledger.record(
          new SimulatorLedger.Download(taskId, now, refusal.status(), refusal.code(), 0, null));
      String host = signer.bucket() + ".oss-cn-beijing.aliyuncs.com";
      HttpReplies.write(
          res,
          cb,
          refusal.status(),
          "application/xml",
          OssErrors.xml(refusal, requestId, host, expires, now),
          Map.of("x-oss-request-id", requestId, "x-oss-ec", refusal.ec()));
      return;
    }
    VideoPayload payload = videos.apply(task);
    String sha = videoSha.apply(task);
    res.setStatus(200);
    res.getHeaders().put(HttpHeader.CONTENT_TYPE, "video/mp4");
    res.getHeaders().put(HttpHeader.CONTENT_LENGTH, payload.length());
    res.getHeaders()
        .put(HttpHeader.ETAG, "\"" + sha.substring(0, 32).toUpperCase(Locale.ROOT) + "\"");
    res.getHeaders().put("x-oss-request-id", requestId);
    res.getHeaders().put("x-oss-object-type", "Normal");
    res.getHeaders().put("x-oss-server-side-encryption", "AES256");
    if (req.getMethod().equals("HEAD")) {
      ledger.record(new SimulatorLedger.Download(task.taskId, now, 200, null, 0, sha));
      res.write(true, null, cb);
      return;
    }
    if (decision.outcome() == FaultDice.Outcome.MALFORMED) {
      // A body cut short: the full Content-Length is announced, then the connection drops.
      ledger.record(
          new SimulatorLedger.Download(
              task.taskId, now, 200, "truncated", payload.length() / 2, null));
      OutputStream out = Content.Sink.asOutputStream(res);
      byte[] head = new byte[(int) Math.min(payload.length() / 2, SampleVideo.bytes().length)];
      System.arraycopy(SampleVideo.bytes(), 0, head, 0, head.length);
      out.write(head);
      out.flush();
      HttpReplies.reset(req, cb);
      return;
    }
    // Recorded when the answer starts, like every other call: a client may finish reading
    // before this thread returns from the last write.
    ledger.record(new SimulatorLedger.Download(task.taskId, now, 200, null, payload.length(), sha));
    try (OutputStream out = Content.Sink.asOutputStream(res)) {
      payload.writeTo(out);
    } catch (IOException e) {
      ledger.record(new SimulatorLedger.Download(task.taskId, now, 0, "aborted", 0, null));
      LOG.debug("download aborted taskId={} cause={}", task.taskId, e.getClass().getSimpleName());
      cb.failed(e);
      return;
    }
    LOG.debug("download served taskId={} bytes={}", task.taskId, payload.length());
    cb.succeeded();
  }

  private String ossRequestId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 24).toUpperCase(Locale.ROOT);
  }
}
