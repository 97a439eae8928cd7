package io.wanpipeline.runtime.config;

import io.wanpipeline.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How every service reaches the schema registry: its URL, its credentials (HTTP basic, as Confluent
 * Cloud's API keys and most self-hosted registries; or a bearer token) and, for an {@code https}
 * registry signed by a private authority, a trust store. The key names follow Confluent's client
 * settings ({@code basic.auth.user.info}, {@code bearer.auth.token}, {@code ssl.truststore.*})
 * under {@code schema-registry.}; the secrets have the {@code .file} form and the environment form
 * of every secret ({@link Settings#secret}).
 *
 * @param url the registry's root URL
 * @param authorization the {@code Authorization} header value; never logged or shown
 * @param truststore the trust store for TLS, if the JVM's default does not do
 * @param truststorePassword its password
 * @param truststoreType {@code PKCS12} (default) or {@code JKS}
 * @param timeout per-request timeout
 * @param autoRegister whether the services register their schemas ({@code
 *     schema-registry.auto-register}, default true), or only look them up
 */
public record RegistrySettings(
    URI url,
    Optional<String> authorization,
    Optional<Path> truststore,
    Optional<String> truststorePassword,
    String truststoreType,
    Duration timeout,
    boolean autoRegister) {

  /** Key of {@code user:password} for HTTP basic authentication. */
  public static final String BASIC_AUTH = "schema-registry.basic-auth.user-info";

  /** Key of a bearer token. */
  public static final String BEARER_TOKEN = "schema-registry.bearer-token";

  /** Key of the trust store's path. */
  public static final String TRUSTSTORE = "schema-registry.ssl.truststore.location";

  /** Key of the trust store's password. */
  public static final String TRUSTSTORE_PASSWORD = "schema-registry.ssl.truststore.password";

  /** Key of the trust store's type. */
  public static final String TRUSTSTORE_TYPE = "schema-registry.ssl.truststore.type";

  public RegistrySettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(authorization, "authorization");
    Objects.requireNonNull(truststore, "truststore");
    Objects.requireNonNull(truststorePassword, "truststorePassword");
    Objects.requireNonNull(truststoreType, "truststoreType");
    Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * Reads and checks the registry keys.
   *
   * @throws ConfigException if both kinds of credentials are set, a basic credential has no {@code
   *     :}, or the trust store's type is unknown
   */
  public static RegistrySettings from(Settings s) {
    URI url = s.uri("schema-registry.url");
    Optional<String> basic = s.secret(BASIC_AUTH);
    Optional<String> bearer = s.secret(BEARER_TOKEN);
    if (basic.isPresent() && bearer.isPresent()) {
      throw new ConfigException(
          BASIC_AUTH + " and " + BEARER_TOKEN + ": set one way to authenticate, not both");
    }
    if (basic.isPresent() && basic.get().indexOf(':') < 0) {
      throw new ConfigException(BASIC_AUTH + ": must be user:password (the value is not shown)");
    }
    Optional<String> authorization =
        basic
            .map(SchemaRegistryClient::basicAuthorization)
            .or(() -> bearer.map(SchemaRegistryClient::bearerAuthorization));
    String type = s.string(TRUSTSTORE_TYPE, "PKCS12").trim().toUpperCase(Locale.ROOT);
    if (!type.equals("PKCS12") && !type.equals("JKS")) {
      throw new ConfigException(TRUSTSTORE_TYPE + ": must be PKCS12 or JKS, got " + type);
    }
    return new RegistrySettings(
        url,
        authorization,
        s.find(TRUSTSTORE).map(Path::of),
        s.secret(TRUSTSTORE_PASSWORD),
        type,
        s.duration("schema-registry.timeout", Duration.ofSeconds(10)),
        s.bool("schema-registry.auto-register", true));
  }

  /**
   * A client with these settings.
   *
   * @throws ConfigException if the trust store cannot be read
   */
  public SchemaRegistryClient client() {
    SchemaRegistryClient client =
        new SchemaRegistryClient(url, authorization.orElse(null), tls(), timeout);
    return autoRegister ? client : client.lookUpOnly();
  }

  private SSLContext tls() {
    if (truststore.isEmpty()) {
      return null;
    }
    Path path = truststore.get();
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore store = KeyStore.getInstance(truststoreType);
      store.load(in, truststorePassword.map(String::toCharArray).orElse(null));
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(
          TRUSTSTORE + ": cannot read " + path + " as " + truststoreType + ": " + e.getMessage());
    }
  }

  /** Never shows the credentials. */
  @Override
  public String toString() {
    return "RegistrySettings[url="
        + url
        + ", authorization="
        + authorization.map(a -> a.substring(0, a.indexOf(' ')) + " ***").orElse("none")
        + ", truststore="
        + truststore.map(Path::toString).orElse("default")
        + "]";
  }
}
