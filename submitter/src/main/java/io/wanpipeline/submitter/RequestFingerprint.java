package io.wanpipeline.submitter;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The fingerprint of what a request asks the provider for: SHA-256 over the Avro binary encoding of
 * the request with its informational fields (requested_at, metadata, priority) cleared. Two records
 * with the same request_id and fingerprint are the same request delivered twice; a different
 * fingerprint means the idempotency key was reused for another request.
 */
public final class RequestFingerprint {
  /** Prefix naming the fingerprint's recipe, so a future recipe can be told apart. */
  public static final String VERSION = "v1:";

  private RequestFingerprint() {}

  /** The fingerprint of {@code request}. */
  public static String of(VideoRequest request) {
    VideoRequest essential =
        VideoRequest.newBuilder(request)
            .setRequestedAt(null)
            .setMetadata(Map.of())
            .setPriority(Priority.LIVE)
            .build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
    try {
      new SpecificDatumWriter<VideoRequest>(VideoRequest.getClassSchema())
          .write(essential, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
      return VERSION + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
