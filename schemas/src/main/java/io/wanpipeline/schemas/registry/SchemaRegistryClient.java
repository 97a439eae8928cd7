package io.wanpipeline.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;

/**
 * A small client of the Confluent schema-registry REST API (Confluent, Karapace, Redpanda,
 * Apicurio's ccompat endpoint, or our local registry). Registrations are cached per subject and
 * schema; schemas by id are cached forever, since ids are immutable.
 */
public final class SchemaRegistryClient implements SchemaRegistry {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI baseUrl;
  private final HttpClient http;
  private final Duration timeout;
  private final String authorization;
  private volatile boolean autoRegister = true;
  private final Map<String, Integer> registered = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();

  /**
   * @param baseUrl the registry's root URL, for example {@code http://localhost:8081}
   * @param basicAuthUserInfo {@code user:password} for HTTP basic auth, or null
   * @param timeout per-request timeout
   */
  public SchemaRegistryClient(URI baseUrl, String basicAuthUserInfo, Duration timeout) {
    this(
        baseUrl,
        basicAuthUserInfo == null ? null : basicAuthorization(basicAuthUserInfo),
        null,
        timeout);
  }

  /**
   * @param baseUrl the registry's root URL
   * @param authorization the {@code Authorization} header of every request ({@link
   *     #basicAuthorization}, {@link #bearerAuthorization}), or null for none
   * @param tls the TLS context for an {@code https} registry (a private trust store), or null for
   *     the JVM's default
   * @param timeout per-request timeout
   */
  public SchemaRegistryClient(URI baseUrl, String authorization, SSLContext tls, Duration timeout) {
    String url = Objects.requireNonNull(baseUrl, "baseUrl").toString();
    this.baseUrl = URI.create(url.endsWith("/") ? url : url + "/");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout);
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
    this.authorization = authorization;
  }

  /** The header value of HTTP basic authentication as {@code userInfo} ({@code user:password}). */
  public static String basicAuthorization(String userInfo) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(Objects.requireNonNull(userInfo).getBytes(StandardCharsets.UTF_8));
  }

  /** The header value of bearer-token authentication (Confluent Cloud's OAuth, a gateway). */
  public static String bearerAuthorization(String token) {
    return "Bearer " + Objects.requireNonNull(token);
  }

  /**
   * Stops registering: from now on {@link #register} only looks the schema up under its subject
   * (for registries whose schemas are registered by their owners, not by the clients), and fails
   * when it is not there.
   */
  public SchemaRegistryClient lookUpOnly() {
    autoRegister = false;
    return this;
  }

  /** A client without authentication and a 10 s timeout. */
  public static SchemaRegistryClient of(String baseUrl) {
    return new SchemaRegistryClient(URI.create(baseUrl), null, Duration.ofSeconds(10));
  }

  /** The registry's root URL. */
  public URI baseUrl() {
    return baseUrl;
  }

  /**
   * Registers {@code schema} under {@code subject} (idempotent) and returns its global id; after
   * {@link #lookUpOnly()}, looks it up under the subject instead.
   *
   * @throws SchemaRegistryException when the registry refuses it (incompatible: 409), or, looking
   *     up only, when the subject does not have it (40401, 40403)
   */
  @Override
  public int register(String subject, Schema schema) {
    String text = schema.toString();
    return registered.computeIfAbsent(
        subject + '\u0000' + text,
        k -> {
          JsonNode answer;
          try {
            answer =
                autoRegister
                    ? call(
                        "POST", "subjects/" + encode(subject) + "/versions", Map.of("schema", text))
                    : call("POST", "subjects/" + encode(subject), Map.of("schema", text));
          } catch (SchemaRegistryException e) {
            if (!autoRegister && (e.errorCode() == 40401 || e.errorCode() == 40403)) {
              throw new SchemaRegistryException(
                  "the schema of "
                      + schema.getFullName()
                      + " is not registered under subject "
                      + subject
                      + ", and schema-registry.auto-register is false: register it from the"
                      + " schemas jar first",
                  e.errorCode(),
                  e);
            }
            throw e;
          }
          int id = answer.path("id").asInt(-1);
          if (id < 0) {
            throw new SchemaRegistryException(
                "registry answered no id registering subject " + subject, 0, null);
          }
          byId.putIfAbsent(id, schema);
          return id;
        });
  }

  /** The schema with global id {@code id}. */
  @Override
  public Schema schemaById(int id) {
    return byId.computeIfAbsent(
        id,
        k -> {
          JsonNode answer = call("GET", "schemas/ids/" + id, null);
          return new Schema.Parser().parse(answer.path("schema").asText());
        });
  }

  /** The latest version registered under {@code subject}: its id and schema. */
  public Registered latest(String subject) {
    JsonNode answer = call("GET", "subjects/" + encode(subject) + "/versions/latest", null);
    int id = answer.path("id").asInt();
    Schema schema = new Schema.Parser().parse(answer.path("schema").asText());
    byId.putIfAbsent(id, schema);
    return new Registered(id, answer.path("version").asInt(), schema);
  }

  /**
   * The compatibility level set on {@code subject} itself (not the registry's default), or empty
   * when none is.
   */
  public Optional<String> subjectCompatibility(String subject) {
    try {
      return Optional.of(
          call("GET", "config/" + encode(subject), null).path("compatibilityLevel").asText());
    } catch (SchemaRegistryException e) {
      if (e.errorCode() == 404 || e.errorCode() == 40401 || e.errorCode() == 40408) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** The registry's default compatibility level. */
  public String defaultCompatibility() {
    return call("GET", "config", null).path("compatibilityLevel").asText();
  }

  /** Sets {@code subject}'s compatibility level to {@code level}. */
  public void setSubjectCompatibility(String subject, String level) {
    call("PUT", "config/" + encode(subject), Map.of("compatibility", level));
  }

  /** A registered schema version. */
  public record Registered(int id, int version, Schema schema) {}

  private JsonNode call(String method, String path, Object body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(baseUrl.resolve(path))
            .timeout(timeout)
            .header("Accept", CONTENT_TYPE + ", application/json");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    try {
      if (body == null) {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        request
            .header("Content-Type", CONTENT_TYPE)
            .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      }
      HttpResponse<byte[]> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode json =
          response.body().length == 0 ? JSON.nullNode() : JSON.readTree(response.body());
      if (response.statusCode() / 100 != 2) {
        throw new SchemaRegistryException(
            "schema registry "
                + method
                + " /"
                + path
                + " answered HTTP "
                + response.statusCode()
                + ": "
                + json.path("message").asText(""),
            json.path("error_code").asInt(response.statusCode()),
            null);
      }
      return json;
    } catch (IOException e) {
      throw new SchemaRegistryException(
          "schema registry " + method + " /" + path + " failed: " + e.getClass().getSimpleName(),
          0,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted calling the schema registry", 0, e);
    }
  }

  private static String encode(String subject) {
    return java.net.URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
