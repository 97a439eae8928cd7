package io.wanpipeline.infra.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.infra.registry.RegistryState.SchemaVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent schema-registry REST API (the subset the serdes and Confluent's client use), as a
 * Jetty core handler. Answers are {@code application/vnd.schemaregistry.v1+json}; errors carry
 * Confluent's {@code error_code}.
 *
 * <p>Over 400 lines: one route per endpoint of the REST API it serves.
 */
final class RegistryApi extends Handler.Abstract {
  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final Logger LOG = LoggerFactory.getLogger(RegistryApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LATEST = -1;

  private final RegistryState state;
  private final RegistryCommands commands;
  private final String requiredAuthorization;

  /**
   * @param requiredAuthorization the {@code Authorization} header every request must carry, as
   *     Confluent's registry with basic authentication requires; null for none
   */
  RegistryApi(RegistryState state, RegistryCommands commands, String requiredAuthorization) {
    this.state = state;
    this.commands = commands;
    this.requiredAuthorization = requiredAuthorization;
  }

  /** Whether {@code request} carries the required credentials (compared in constant time). */
  private boolean authorized(Request request) {
    if (requiredAuthorization == null) {
      return true;
    }
    String given = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    return given != null
        && java.security.MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8),
            requiredAuthorization.getBytes(StandardCharsets.UTF_8));
  }

  /** An answer: HTTP status and JSON body. */
  private record Reply(int status, JsonNode body) {
    static Reply ok(JsonNode body) {
      return new Reply(200, body);
    }
  }

  /** One request, with the path split into decoded segments. */
  private record Call(String method, List<String> path, Fields query, Request request) {
    String segment(int index) {
      return path.get(index);
    }

    boolean flag(String name) {
      return "true".equalsIgnoreCase(query.getValue(name));
    }

    JsonNode body() throws IOException {
      String text = Content.Source.asString(request, StandardCharsets.UTF_8);
      if (text == null || text.isBlank()) {
        throw RegistryError.badRequest("the request has no JSON body");
      }
      try {
        return JSON.readTree(text);
      } catch (JsonProcessingException e) {
        throw RegistryError.badRequest("the request body is not JSON: " + e.getOriginalMessage());
      }
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Reply reply;
    try {
      if (!authorized(request)) {
        // Confluent's answer to a missing or wrong credential; the header is never logged.
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"schema-registry\"");
        throw new RegistryError(401, 40101, "Unauthorized");
      }
      reply = route(call(request));
    } catch (RegistryError e) {
      reply = error(e.httpStatus(), e.errorCode(), e.getMessage());
      LOG.debug(
          "answering {} {} with error_code={}: {}",
          request.getMethod(),
          request.getHttpURI().getPath(),
          e.errorCode(),
          e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply = error(500, 50001, "interrupted");
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "schema registry failed on {} {}",
          request.getMethod(),
          request.getHttpURI().getPath(),
          e);
      reply = error(500, 50001, "Error in the backend data store: " + e.getClass().getSimpleName());
    }
    response.setStatus(reply.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
    Content.Sink.write(response, true, reply.body().toString(), callback);
    return true;
  }

  private static Call call(Request request) {
    List<String> path = new ArrayList<>();
    for (String segment : request.getHttpURI().getPath().split("/")) {
      if (!segment.isEmpty()) {
        path.add(URIUtil.decodePath(segment));
      }
    }
    return new Call(request.getMethod(), path, Request.extractQueryParameters(request), request);
  }

  private Reply route(Call call) throws IOException, InterruptedException {
    List<String> p = call.path();
    String method = call.method();
    if (p.isEmpty()) {
      return only(method, "GET", () -> Reply.ok(JSON.createObjectNode()));
    }
    switch (p.get(0)) {
      case "schemas" -> {
        if (p.size() == 2 && p.get(1).equals("types")) {
          return only(method, "GET", () -> Reply.ok(JSON.createArrayNode().add("AVRO")));
        }
        if (p.size() >= 3 && p.get(1).equals("ids")) {
          int id = parseId(p.get(2));
          if (p.size() == 3) {
            return only(method, "GET", () -> schemaById(id));
          }
          if (p.size() == 4 && p.get(3).equals("versions")) {
            return only(method, "GET", () -> versionsOfId(id));
          }
          if (p.size() == 4 && p.get(3).equals("subjects")) {
            return only(method, "GET", () -> subjectsOfId(id));
          }
          if (p.size() == 4 && p.get(3).equals("schema")) {
            return only(method, "GET", () -> Reply.ok(JSON.readTree(schemaText(id))));
          }
        }
      }
      case "subjects" -> {
        if (p.size() == 1) {
          return only(method, "GET", () -> Reply.ok(strings(state.subjects(call.flag("deleted")))));
        }
        String subject = p.get(1);
        if (p.size() == 2) {
          return switch (method) {
            case "POST" -> lookUp(subject, call);
            case "DELETE" -> deleteSubject(subject, call);
            default -> notAllowed(method);
          };
        }
        if (p.get(2).equals("versions")) {
          if (p.size() == 3) {
            return switch (method) {
              case "GET" -> versionsOf(subject, call);
              case "POST" -> register(subject, call);
              default -> notAllowed(method);
            };
          }
          if (p.size() == 4) {
            return only(
                method, "GET", () -> Reply.ok(versionJson(version(subject, p.get(3), call))));
          }
          if (p.size() == 5 && p.get(4).equals("schema")) {
            return only(
                method,
                "GET",
                () -> Reply.ok(JSON.readTree(version(subject, p.get(3), call).schema())));
          }
        }
      }
      case "compatibility" -> {
        if (p.size() >= 4 && p.get(1).equals("subjects") && p.get(3).equals("versions")) {
          if (p.size() == 4) {
            return only(method, "POST", () -> compatibility(p.get(2), null, call));
          }
          if (p.size() == 5) {
            return only(method, "POST", () -> compatibility(p.get(2), p.get(4), call));
          }
        }
      }
      case "config" -> {
        if (p.size() == 1) {
          return switch (method) {
            case "GET" -> levelReply("compatibilityLevel", state.globalLevel());
            case "PUT" ->
                levelReply("compatibility", commands.setLevel(null, requestedLevel(call)));
            default -> notAllowed(method);
          };
        }
        if (p.size() == 2) {
          String subject = p.get(1);
          return switch (method) {
            case "GET" -> levelReply("compatibilityLevel", subjectLevel(subject, call));
            case "PUT" ->
                levelReply("compatibility", commands.setLevel(subject, requestedLevel(call)));
            case "DELETE" -> levelReply("compatibilityLevel", commands.clearLevel(subject));
            default -> notAllowed(method);
          };
        }
      }
      default -> {
        // not found below
      }
    }
    return error(404, 404, "HTTP 404 Not Found");
  }

  @FunctionalInterface
  private interface Action {
    Reply run() throws IOException, InterruptedException;
  }

  private static Reply only(String method, String allowed, Action action)
      throws IOException, InterruptedException {
    return method.equals(allowed) ? action.run() : notAllowed(method);
  }

  private static Reply notAllowed(String method) {
    return error(405, 405, "HTTP 405 Method " + method + " Not Allowed");
  }

  // ---- schemas by id

  private Reply schemaById(int id) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schema", schemaText(id));
    return Reply.ok(body);
  }

  private String schemaText(int id) {
    return state.schemaById(id).orElseThrow(RegistryError::schemaNotFound);
  }

  private Reply versionsOfId(int id) {
    schemaText(id);
    ArrayNode body = JSON.createArrayNode();
    for (SchemaVersion use : state.usesOf(id)) {
      body.addObject().put("subject", use.subject()).put("version", use.version());
    }
    return Reply.ok(body);
  }

  private Reply subjectsOfId(int id) {
    schemaText(id);
    return Reply.ok(
        strings(state.usesOf(id).stream().map(SchemaVersion::subject).distinct().toList()));
  }

  // ---- subjects

  private Reply register(String subject, Call call) throws IOException, InterruptedException {
    AvroSchemas.Parsed schema = schemaOf(call.body());
    int id = commands.register(subject, schema);
    ObjectNode body = JSON.createObjectNode();
    body.put("id", id);
    return Reply.ok(body);
  }

  private Reply lookUp(String subject, Call call) throws IOException {
    AvroSchemas.Parsed schema = schemaOf(call.body());
    boolean deleted = call.flag("deleted");
    if (state.versions(subject, deleted).isEmpty()) {
      throw RegistryError.subjectNotFound(subject);
    }
    SchemaVersion found =
        state.find(subject, schema.canonical(), deleted).orElseThrow(RegistryError::schemaNotFound);
    return Reply.ok(versionJson(found));
  }

  private Reply versionsOf(String subject, Call call) {
    List<SchemaVersion> versions = state.versions(subject, call.flag("deleted"));
    if (versions.isEmpty()) {
      throw RegistryError.subjectNotFound(subject);
    }
    ArrayNode body = JSON.createArrayNode();
    versions.forEach(v -> body.add(v.version()));
    return Reply.ok(body);
  }

  private SchemaVersion version(String subject, String spec, Call call) {
    int number = parseVersion(spec);
    boolean deleted = call.flag("deleted");
    if (state.versions(subject, deleted).isEmpty()) {
      throw RegistryError.subjectNotFound(subject);
    }
    Optional<SchemaVersion> found =
        number == LATEST ? state.latest(subject, deleted) : state.version(subject, number, deleted);
    return found.orElseThrow(() -> RegistryError.versionNotFound(subject, number));
  }

  private Reply deleteSubject(String subject, Call call) throws InterruptedException {
    if (call.flag("permanent")) {
      throw new RegistryError(
          422,
          42205,
          "Operation not permitted: the local registry keeps every id, so it only soft-deletes");
    }
    ArrayNode body = JSON.createArrayNode();
    commands.deleteSubject(subject).forEach(body::add);
    return Reply.ok(body);
  }

  // ---- compatibility

  private Reply compatibility(String subject, String versionSpec, Call call) throws IOException {
    Schema candidate = schemaOf(call.body()).schema();
    CompatibilityLevel level = state.effectiveLevel(subject);
    List<String> violations;
    if (versionSpec == null) {
      violations = transitive(level).violations(candidate, state.liveSchemas(subject));
    } else if (parseVersion(versionSpec) == LATEST) {
      violations = level.violations(candidate, state.liveSchemas(subject));
    } else {
      SchemaVersion version = version(subject, versionSpec, call);
      violations =
          level.violationsAgainstOne(candidate, AvroSchemas.parse(version.schema()).schema());
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("is_compatible", violations.isEmpty());
    if (call.flag("verbose")) {
      body.set("messages", strings(violations));
    }
    return Reply.ok(body);
  }

  private static CompatibilityLevel transitive(CompatibilityLevel level) {
    return switch (level) {
      case BACKWARD -> CompatibilityLevel.BACKWARD_TRANSITIVE;
      case FORWARD -> CompatibilityLevel.FORWARD_TRANSITIVE;
      case FULL -> CompatibilityLevel.FULL_TRANSITIVE;
      default -> level;
    };
  }

  // ---- config

  private CompatibilityLevel subjectLevel(String subject, Call call) {
    Optional<CompatibilityLevel> level = state.subjectLevel(subject);
    if (level.isPresent()) {
      return level.get();
    }
    if (call.flag("defaultToGlobal")) {
      return state.globalLevel();
    }
    throw RegistryError.subjectLevelConfigNotFound(subject);
  }

  private static CompatibilityLevel requestedLevel(Call call) throws IOException {
    JsonNode body = call.body();
    JsonNode level =
        body.has("compatibility") ? body.get("compatibility") : body.get("compatibilityLevel");
    return CompatibilityLevel.parse(level == null ? null : level.asText());
  }

  private static Reply levelReply(String field, CompatibilityLevel level) {
    ObjectNode body = JSON.createObjectNode();
    body.put(field, level.name());
    return Reply.ok(body);
  }

  // ---- JSON

  private static AvroSchemas.Parsed schemaOf(JsonNode body) {
    String type = body.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(type)) {
      throw new RegistryError(
          422,
          42201,
          "Invalid schema: schemaType "
              + type
              + " is unsupported; the local registry takes AVRO only");
    }
    JsonNode references = body.path("references");
    if (references.isArray() && !references.isEmpty()) {
      throw new RegistryError(
          422, 42201, "Invalid schema: schema references are unsupported by the local registry");
    }
    JsonNode schema = body.get("schema");
    if (schema == null || !schema.isTextual()) {
      throw RegistryError.invalidSchema("the request has no \"schema\" string");
    }
    return AvroSchemas.parse(schema.asText());
  }

  private static ObjectNode versionJson(SchemaVersion version) {
    ObjectNode body = JSON.createObjectNode();
    body.put("subject", version.subject());
    body.put("version", version.version());
    body.put("id", version.id());
    body.put("schema", version.schema());
    return body;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode array = JSON.createArrayNode();
    values.forEach(array::add);
    return array;
  }

  private static int parseId(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw RegistryError.schemaNotFound();
    }
  }

  private static int parseVersion(String text) {
    if (text.equals("latest") || text.equals("-1")) {
      return LATEST;
    }
    try {
      int version = Integer.parseInt(text);
      if (version >= 1) {
        return version;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw RegistryError.invalidVersion(text);
  }

  private static Reply error(int status, int code, String message) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error_code", code);
    body.put("message", message);
    return new Reply(status, body);
  }
}
