package io.wanpipeline.archiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.wanpipeline.archiver.ArchiverConfig.ChecksumMode;
import io.wanpipeline.archiver.ArchiverConfig.S3Settings;
import io.wanpipeline.archiver.archive.ArchiveException;
import io.wanpipeline.archiver.archive.ArchiveFailure;
import io.wanpipeline.archiver.download.VerifyingInputStream;
import io.wanpipeline.archiver.store.S3VideoStore;
import io.wanpipeline.infra.testing.S3Server;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The archive store's conditional write against s3proxy: a second writer of a key is refused (412,
 * ALREADY_EXISTS) both on a single PUT and on a multipart completion, the stale-upload sweep aborts
 * only uploads older than its cutoff, and a video's checksum object is written and read.
 */
@ExtendWith(S3Server.class)
class S3ConditionalWriteIT {
  private static final int PART = 5 << 20;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private S3AsyncClient async;
  private S3Client s3;
  private S3VideoStore store;
  private String bucket;

  @BeforeEach
  void setUp(S3Server.Info info) throws Exception {
    async =
        S3Clients.create(
            new S3Settings(
                info.endpoint(),
                "us-east-1",
                true,
                ChecksumMode.WHEN_SUPPORTED,
                PART,
                info.accessKey(),
                info.secretKey()));
    s3 = info.newClient();
    store = new S3VideoStore(async);
    bucket = info.uniqueBucket("conditional");
    store.ensureBucket(bucket, TIMEOUT);
  }

  @AfterEach
  void tearDown() {
    async.close();
    s3.close();
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {1024, 2 * PART + 123})
  void theSecondWriterOfAKeyIsRefusedAndTheFirstObjectStays(int size) throws Exception {
    String key = "videos/acme/race-" + size + ".mp4";
    byte[] first = bytes(size, (byte) 1);
    byte[] second = bytes(size, (byte) 2);

    store.upload(bucket, key, body(first), Map.of("request-id", "r1"), TIMEOUT, Instant.now());
    ArchiveException refused =
        catchThrowableOfType(
            ArchiveException.class,
            () ->
                store.upload(
                    bucket, key, body(second), Map.of("request-id", "r1"), TIMEOUT, Instant.now()));

    assertThat(refused.failure().code()).isEqualTo(ArchiveFailure.ALREADY_EXISTS);
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray()).isEqualTo(first);
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  @Test
  void aSuccessfulUploadAbortsTheKeysLeftoverUploads() throws Exception {
    String key = "videos/acme/leftover.mp4";
    s3.createMultipartUpload(b -> b.bucket(bucket).key(key));

    store.upload(
        bucket,
        key,
        body(bytes(1024, (byte) 3)),
        Map.of("request-id", "r1"),
        TIMEOUT,
        Instant.now());

    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  @Test
  void theStaleSweepAbortsOnlyUploadsOlderThanItsCutoff() throws Exception {
    String key = "videos/acme/stale.mp4";
    s3.createMultipartUpload(b -> b.bucket(bucket).key(key));

    store.abortStaleUploads(bucket, key, Instant.now().minus(Duration.ofMinutes(5)), TIMEOUT);
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads())
        .as("a young (possibly live) upload is kept")
        .hasSize(1);

    store.abortStaleUploads(bucket, key, Instant.now().plus(Duration.ofMinutes(5)), TIMEOUT);
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  @Test
  void theChecksumObjectRecordsTheHashBesideTheVideo() throws Exception {
    String key = "videos/acme/2026/03/01/req-1.mp4";
    String sha = "0123456789abcdef".repeat(4);
    assertThat(store.recordedSha256(bucket, key, TIMEOUT)).as("none yet").isEmpty();

    store.putSha256(bucket, key, sha, TIMEOUT);
    assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key + ".sha256")).asUtf8String())
        .isEqualTo(sha + "  req-1.mp4\n");
    assertThat(store.recordedSha256(bucket, key, TIMEOUT)).contains(sha);

    s3.putObject(
        b -> b.bucket(bucket).key(key + ".sha256"), RequestBody.fromString("not a hash\n"));
    assertThat(store.recordedSha256(bucket, key, TIMEOUT)).as("unreadable: none").isEmpty();
  }

  private static VerifyingInputStream body(byte[] content) {
    return new VerifyingInputStream(
        new ByteArrayInputStream(content), content.length, Long.MAX_VALUE);
  }

  private static byte[] bytes(int size, byte fill) {
    byte[] b = new byte[size];
    Arrays.fill(b, fill);
    return b;
  }
}
