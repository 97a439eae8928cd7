package io.wanpipeline.archiver;

import io.wanpipeline.archiver.ArchiverConfig.ChecksumMode;
import io.wanpipeline.archiver.ArchiverConfig.S3Settings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.multipart.MultipartConfiguration;

/** Builds the archiver's S3 client from its settings. */
public final class S3Clients {
  private S3Clients() {}

  /**
   * An {@link S3AsyncClient} with the SDK's multipart support (part size = threshold = {@code
   * s3.part-size}, at most one part's bytes buffered per upload), path style, endpoint, region,
   * credentials and checksum mode from {@code settings}.
   *
   * <p>The buffer holds what the download has read and the upload has not yet sent: the download is
   * the faster side, so a larger buffer only fills up. With four parts each, four uploads kept up
   * to 128 MiB live in the archiver's heap, and every young collection copied what was live; with
   * one, the archiver benchmark's collections took 216-317 ms per GiB instead of 346-521 ms (five
   * runs each, issue 16, docs/benchmarks.md), at the same MB/s.
   */
  public static S3AsyncClient create(S3Settings settings) {
    S3AsyncClientBuilder builder =
        S3AsyncClient.builder()
            .region(Region.of(settings.region()))
            .forcePathStyle(settings.pathStyle())
            .multipartEnabled(true)
            .multipartConfiguration(
                MultipartConfiguration.builder()
                    .minimumPartSizeInBytes(settings.partSize())
                    .thresholdInBytes(settings.partSize())
                    .apiCallBufferSizeInBytes(settings.partSize())
                    .build());
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    if (settings.accessKeyId() != null) {
      builder.credentialsProvider(
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())));
    } else {
      builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
    }
    if (settings.checksums() == ChecksumMode.WHEN_REQUIRED) {
      builder
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    return builder.build();
  }
}
