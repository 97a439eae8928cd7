package io.wanpipeline.infra.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.infra.s3.S3ProxyProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.BlockingInputStreamAsyncRequestBody;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

@ExtendWith(S3Server.class)
class S3ProxyProcessIT {
  private static final int UPLOAD_BYTES = 20 * 1024 * 1024 + 12345;

  @Test
  void storesAndReturnsAnObjectInANewBucket(S3Server.Info s3) {
    String bucket = s3.uniqueBucket("round-trip");
    try (S3Client client = s3.newClient()) {
      client.createBucket(b -> b.bucket(bucket));
      client.putObject(
          b -> b.bucket(bucket).key("requests/r-1.json").contentType("application/json"),
          RequestBody.fromString("{\"requestId\":\"r-1\"}"));

      assertThat(
              client
                  .getObjectAsBytes(b -> b.bucket(bucket).key("requests/r-1.json"))
                  .asUtf8String())
          .isEqualTo("{\"requestId\":\"r-1\"}");
      assertThat(client.headObject(b -> b.bucket(bucket).key("requests/r-1.json")).contentType())
          .isEqualTo("application/json");
      assertThat(client.listObjectsV2(b -> b.bucket(bucket)).contents()).hasSize(1);
    }
  }

  @Test
  void rejectsRequestsSignedWithTheWrongSecret(S3Server.Info s3) {
    S3Server.Info forged = new S3Server.Info(s3.endpoint(), s3.accessKey(), "not-the-secret");
    try (S3Client client = forged.newClient()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> client.createBucket(b -> b.bucket(s3.uniqueBucket("forged"))))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    }
  }

  @Test
  void uploadsAStreamOfUnknownLengthInPartsAndReadsBackTheSameBytes(S3Server.Info s3)
      throws Exception {
    String bucket = s3.uniqueBucket("multipart");
    try (S3Client client = s3.newClient();
        S3AsyncClient async = s3.newAsyncClient()) {
      client.createBucket(b -> b.bucket(bucket));

      BlockingInputStreamAsyncRequestBody body = AsyncRequestBody.forBlockingInputStream(null);
      CompletableFuture<PutObjectResponse> upload =
          async.putObject(b -> b.bucket(bucket).key("videos/v.mp4"), body);
      MessageDigest sent = MessageDigest.getInstance("SHA-256");
      try (InputStream source = new DigestInputStream(new GeneratedStream(UPLOAD_BYTES), sent)) {
        body.writeInputStream(source);
      }
      upload.get(120, TimeUnit.SECONDS);

      HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key("videos/v.mp4"));
      assertThat(head.contentLength()).isEqualTo(UPLOAD_BYTES);
      assertThat(head.eTag()).as("a multipart ETag names its part count").endsWith("-3\"");
      try (ResponseInputStream<GetObjectResponse> stored =
          client.getObject(b -> b.bucket(bucket).key("videos/v.mp4"))) {
        assertThat(sha256(stored)).isEqualTo(HexFormat.of().formatHex(sent.digest()));
      }
    }
  }

  @Test
  void keepsObjectsWhenStartedAgainOnTheSameDataDirectory(@TempDir Path dataDir) throws Exception {
    S3ProxyProcess.Settings settings = S3ProxyProcess.Settings.of(dataDir, "dev-key", "dev-secret");
    S3Server.Info info;
    try (S3ProxyProcess server = S3ProxyProcess.start(settings)) {
      info = new S3Server.Info(server.endpoint(), "dev-key", "dev-secret");
      try (S3Client client = info.newClient()) {
        client.createBucket(b -> b.bucket("archive"));
        client.putObject(b -> b.bucket("archive").key("a.txt"), RequestBody.fromString("kept"));
      }
    }
    assertThat(settings.toString()).doesNotContain("dev-secret");
    try (S3ProxyProcess again = S3ProxyProcess.start(settings)) {
      S3Server.Info second = new S3Server.Info(again.endpoint(), "dev-key", "dev-secret");
      try (S3Client client = second.newClient()) {
        assertThat(client.getObjectAsBytes(b -> b.bucket("archive").key("a.txt")).asUtf8String())
            .isEqualTo("kept");
      }
    }
  }

  private static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[64 * 1024];
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Deterministic pseudo-random bytes whose length the reader does not know in advance. */
  private static final class GeneratedStream extends InputStream {
    private final long length;
    private long position;
    private long state = 0x9E3779B97F4A7C15L;

    GeneratedStream(long length) {
      this.length = length;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) {
      if (position >= length) {
        return -1;
      }
      int n = (int) Math.min(count, length - position);
      for (int i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >>> 7;
        state ^= state << 17;
        buffer[offset + i] = (byte) state;
      }
      position += n;
      return n;
    }
  }
}
