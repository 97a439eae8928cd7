package io.wanpipeline.billing.estimate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The fields of a video request that affect its price, read tolerantly from the JSON of a {@code
 * video-requests} event (plain or Avro-JSON unions such as {@code {"int": 5}}); every other field
 * is ignored.
 *
 * @param requestId the request id, or null
 * @param model provider model id
 * @param providerAccount provider account, or null for the caller's default
 * @param resolution {@code parameters.resolution}, or null
 * @param size {@code parameters.size}, or null
 * @param duration {@code parameters.duration} in seconds, or null
 * @param audio {@code parameters.audio}, or null
 * @param mode {@code parameters.mode} (the service mode that prices the animate models), or null
 */
public record EstimateRequest(
    String requestId,
    String model,
    String providerAccount,
    String resolution,
    String size,
    Integer duration,
    Boolean audio,
    String mode) {

  /** A request without a service mode. */
  public EstimateRequest(
      String requestId,
      String model,
      String providerAccount,
      String resolution,
      String size,
      Integer duration,
      Boolean audio) {
    this(requestId, model, providerAccount, resolution, size, duration, audio, null);
  }

  /**
   * Reads one request object.
   *
   * @throws IllegalArgumentException when {@code json} is not an object or a field has the wrong
   *     type; the message names the field
   */
  public static EstimateRequest fromJson(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("a request must be a JSON object");
    }
    JsonNode parameters = unwrap(json.get("parameters"));
    if (parameters != null && !parameters.isObject()) {
      throw new IllegalArgumentException("parameters: must be an object");
    }
    return new EstimateRequest(
        text(json, "request_id"),
        text(json, "model"),
        text(json, "provider_account"),
        text(parameters, "resolution"),
        text(parameters, "size"),
        integer(parameters, "duration"),
        bool(parameters, "audio"),
        text(parameters, "mode"));
  }

  private static JsonNode field(JsonNode parent, String name) {
    return parent == null ? null : unwrap(parent.get(name));
  }

  /** {@code {"string": "x"}} (an Avro-JSON union branch) is read as {@code "x"}. */
  private static JsonNode unwrap(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isObject() && node.size() == 1) {
      Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
      Map.Entry<String, JsonNode> only = it.next();
      if (only.getValue().isValueNode()
          && java.util.Set.of("string", "int", "long", "boolean").contains(only.getKey())) {
        return only.getValue();
      }
      if (only.getKey().startsWith("io.wanpipeline.")) {
        return only.getValue();
      }
    }
    return node;
  }

  private static String text(JsonNode parent, String name) {
    JsonNode v = field(parent, name);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(name + ": must be a string");
    }
    return v.asText();
  }

  private static Integer integer(JsonNode parent, String name) {
    JsonNode v = field(parent, name);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException("parameters." + name + ": must be a whole number");
    }
    return v.asInt();
  }

  private static Boolean bool(JsonNode parent, String name) {
    JsonNode v = field(parent, name);
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException("parameters." + name + ": must be true or false");
    }
    return v.asBoolean();
  }
}
