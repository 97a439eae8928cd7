package io.wanpipeline.wan.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.http.SecretRedactor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The error part of a non-2xx DashScope answer: top-level {@code {"request_id","code","message"}},
 * or the OpenAI-compatible {@code {"error":{"code","message"}}}. The message is already redacted.
 *
 * @param code provider error code, or null when the body carried none
 * @param message provider message without secrets, or a short excerpt of a non-JSON body
 * @param requestId the provider's request id, or null
 */
public record ProviderErrorBody(String code, String message, String requestId) {

  private static final int EXCERPT = 200;

  /** Reads an error body tolerantly; never fails. */
  public static ProviderErrorBody parse(byte[] body, ObjectMapper mapper) {
    if (body == null || body.length == 0) {
      return new ProviderErrorBody(null, null, null);
    }
    try {
      JsonNode root = mapper.readTree(body);
      if (root != null && root.isObject()) {
        JsonNode holder =
            root.has("code") || !root.path("error").isObject() ? root : root.get("error");
        return new ProviderErrorBody(
            textOrNull(holder.get("code")),
            SecretRedactor.redact(trimmed(textOrNull(holder.get("message")))),
            textOrNull(root.get("request_id")));
      }
    } catch (IOException e) {
      // not JSON: fall through to an excerpt
    }
    String text = new String(body, StandardCharsets.UTF_8).strip();
    if (text.length() > EXCERPT) {
      text = text.substring(0, EXCERPT) + "...";
    }
    return new ProviderErrorBody(null, SecretRedactor.redact(text), null);
  }

  /** True when the body carried a provider code (for example a 200 answer that is an error). */
  public boolean hasCode() {
    return code != null && !code.isBlank();
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
  }

  private static String trimmed(String s) {
    return s == null ? null : s.strip();
  }
}
