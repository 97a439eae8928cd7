package io.wanpipeline.infra.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.UUID;

/**
 * The answers new-api based gateways (Crazyrouter, APIYI) give themselves, before the provider is
 * called, as new-api writes them: its OpenAI-style error object from the auth and distributor
 * middleware ({@code {"error":{"code","message","type":"new_api_error"}}}, the message ending in
 * {@code (request id: ...)}), its task error ({@code {"code","message","data":null}}) and its
 * not-found route answer.
 */
final class NewApiAnswers {

  private static final DateTimeFormatter REQUEST_ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmssSSS").withZone(ZoneOffset.ofHours(8));

  private NewApiAnswers() {}

  /** An answer: HTTP status, gateway code for the ledger, JSON body. */
  record Answer(int status, String code, ObjectNode body) {}

  /** 401 for a missing or unknown token. */
  static Answer unauthorized(ObjectMapper mapper, boolean missing, Instant now) {
    String message = missing ? "No token provided" : "Invalid token";
    return new Answer(401, "invalid_token", openAiError(mapper, "", message, "new_api_error", now));
  }

  /**
   * 503 {@code model_not_found}: the distributor found no channel serving {@code model} for the
   * key's {@code group}. A business error, not a 404; nothing is sent upstream.
   */
  static Answer modelNotFound(ObjectMapper mapper, String group, String model, Instant now) {
    return new Answer(
        503,
        "model_not_found",
        openAiError(
            mapper,
            "model_not_found",
            "No available channel for model " + model + " under group " + group + " (distributor)",
            "new_api_error",
            now));
  }

  /** 400 {@code task_not_exist}: the gateway has no record of the task for this key. */
  static Answer taskNotExist(ObjectMapper mapper) {
    ObjectNode body = mapper.createObjectNode();
    body.put("code", "task_not_exist");
    body.put("message", "task_not_exist");
    body.putNull("data");
    return new Answer(400, "task_not_exist", body);
  }

  /** 404 for a route the gateway does not have. */
  static Answer invalidUrl(ObjectMapper mapper, String method, String path) {
    ObjectNode body = mapper.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", "Invalid URL (" + method + " " + path + ")");
    error.put("type", "invalid_request_error");
    error.put("param", "");
    error.put("code", "");
    return new Answer(404, "invalid_url", body);
  }

  /** new-api's request id: China wall-clock time to the millisecond, then random letters. */
  static String requestId(Instant now) {
    return REQUEST_ID_TIME.format(now)
        + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase(Locale.ROOT);
  }

  private static ObjectNode openAiError(
      ObjectMapper mapper, String code, String message, String type, Instant now) {
    ObjectNode body = mapper.createObjectNode();
    ObjectNode error = body.putObject("error");
    error.put("code", code);
    error.put("message", message + " (request id: " + requestId(now) + ")");
    error.put("type", type);
    return body;
  }
}
