package io.wanpipeline.infra.testing;

import io.wanpipeline.infra.s3.S3ProxyProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.multipart.MultipartConfiguration;

/**
 * JUnit 5 extension that gives tests a real S3-compatible server: one s3proxy child process per
 * test JVM on a temporary directory, started on first use and stopped (its directory deleted) when
 * the JVM's tests are done. Tests take an {@link Info} parameter, build SDK clients from it and
 * work in {@link Info#uniqueBucket unique buckets}.
 */
public final class S3Server implements BeforeAllCallback, ParameterResolver {
  /** The access key id the server accepts. */
  public static final String ACCESS_KEY = "test-access-key";

  private static final String SECRET_KEY = "test-secret-key";
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(S3Server.class);

  /**
   * The shared server as tests see it.
   *
   * @param endpoint the endpoint to override the SDK's with (path-style addressing only)
   * @param accessKey the access key id
   * @param secretKey its secret
   */
  public record Info(URI endpoint, String accessKey, String secretKey) {
    /** A synchronous client: path style, {@code us-east-1}, static credentials. */
    public S3Client newClient() {
      return S3Client.builder()
          .endpointOverride(endpoint)
          .forcePathStyle(true)
          .region(Region.US_EAST_1)
          .credentialsProvider(credentials())
          .build();
    }

    /**
     * An asynchronous client with the SDK's multipart support on (8 MiB parts), for uploads of
     * unknown length.
     */
    public S3AsyncClient newAsyncClient() {
      long part = 8L * 1024 * 1024;
      return S3AsyncClient.builder()
          .endpointOverride(endpoint)
          .forcePathStyle(true)
          .region(Region.US_EAST_1)
          .credentialsProvider(credentials())
          .multipartEnabled(true)
          .multipartConfiguration(
              MultipartConfiguration.builder()
                  .minimumPartSizeInBytes(part)
                  .thresholdInBytes(part)
                  .apiCallBufferSizeInBytes(4 * part)
                  .build())
          .build();
    }

    /** The static credentials provider. */
    public StaticCredentialsProvider credentials() {
      return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }

    /** A valid bucket name nobody else uses: lower-case {@code base}, a dash, 8 hex digits. */
    public String uniqueBucket(String base) {
      String prefix = base.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
      if (prefix.length() > 50) {
        prefix = prefix.substring(0, 50);
      }
      return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public String toString() {
      return "Info[endpoint=" + endpoint + ", accessKey=" + accessKey + ", secretKey=***]";
    }
  }

  private record Handle(S3ProxyProcess server, Path dataDir, Info info) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      server.close();
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    handle(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Info.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return handle(context).info();
  }

  /** The shared server, started if this is its first use in the JVM. */
  public static Info info(ExtensionContext context) {
    return handle(context).info();
  }

  private static Handle handle(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent("s3proxy", key -> start(), Handle.class);
  }

  private static Handle start() {
    try {
      Path dataDir = Files.createTempDirectory("s3proxy-test-");
      S3ProxyProcess server =
          S3ProxyProcess.start(S3ProxyProcess.Settings.of(dataDir, ACCESS_KEY, SECRET_KEY));
      return new Handle(server, dataDir, new Info(server.endpoint(), ACCESS_KEY, SECRET_KEY));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start s3proxy", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted starting s3proxy", e);
    }
  }
}
